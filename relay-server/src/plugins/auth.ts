import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../container.js';
import { ErrorCode, type Role } from '../contract/index.js';
import { AppError } from '../errors.js';
import { InvalidTokenError } from '../services/jwt.js';

export interface AuthUser {
  id: string;
  email: string;
  role: Role;
  sessionId: string;
}

const users = new WeakMap<FastifyRequest, AuthUser>();

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/;

/**
 * onRequest hook: a valid HS256 access token whose session (refresh family) is still active
 * and whose account still exists. Logout and refresh-reuse therefore take effect at once.
 */
export function requireUser(c: Container) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    if (header === undefined) throw new AppError(ErrorCode.AuthRequired, 'authentication required');
    const match = BEARER.exec(header);
    if (match?.[1] === undefined) throw new AppError(ErrorCode.AuthInvalid, 'invalid access token');
    try {
      const claims = await c.jwt.verifyAccess(match[1]);
      const [active, account] = await Promise.all([
        c.tokens.isFamilyActive(claims.sid),
        c.accounts.byId(claims.sub),
      ]);
      if (!active || account === undefined || !account.verified) throw new InvalidTokenError();
      users.set(request, {
        id: account.id,
        email: account.email,
        role: account.role,
        sessionId: claims.sid,
      });
    } catch (err) {
      if (err instanceof InvalidTokenError) {
        throw new AppError(ErrorCode.AuthInvalid, 'invalid access token');
      }
      throw err;
    }
  };
}

export function requireAdmin(c: Container) {
  const user = requireUser(c);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    await user(request, reply);
    if (currentUser(request).role !== 'admin') {
      throw new AppError(ErrorCode.Forbidden, 'administrators only');
    }
  };
}

/** The authenticated user; only call from routes guarded by requireUser. */
export function currentUser(request: FastifyRequest): AuthUser {
  const user = users.get(request);
  if (user === undefined) throw new Error('route is missing the requireUser hook');
  return user;
}

export const bearer = [{ bearer: [] }];
