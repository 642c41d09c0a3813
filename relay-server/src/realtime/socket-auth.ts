import { decodeJwt } from 'jose';
import type { Container } from '../container.js';
import { ErrorCode } from '../contract/index.js';
import { InvalidTokenError } from '../services/jwt.js';

export interface SocketIdentity {
  userId: string;
  sessionId: string;
  /** Access-token expiry, ms since epoch. */
  expiresAt: number;
}

export type SocketAuthResult =
  | { ok: true; identity: SocketIdentity }
  | { ok: false; code: typeof ErrorCode.AuthRequired | typeof ErrorCode.AuthInvalid };

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

/**
 * Checks an access token exactly as the HTTP routes do (services/jwt.ts + an active session and a
 * verified account), so a socket is never more privileged than a request: missing -> E_AUTH_REQUIRED;
 * malformed, tampered, expired, logged out or account gone -> E_AUTH_INVALID.
 */
export async function authenticateSocket(c: Container, token: unknown): Promise<SocketAuthResult> {
  if (token === undefined || token === null || token === '') {
    return { ok: false, code: ErrorCode.AuthRequired };
  }
  if (typeof token !== 'string' || token.length > 4096 || !JWT_SHAPE.test(token)) {
    return { ok: false, code: ErrorCode.AuthInvalid };
  }
  try {
    const claims = await c.jwt.verifyAccess(token);
    const [active, account] = await Promise.all([
      c.tokens.isFamilyActive(claims.sid),
      c.accounts.byId(claims.sub),
    ]);
    if (!active || account === undefined || !account.verified) throw new InvalidTokenError();
    // Verified above, so the payload decodes and carries the `exp` jwtVerify required.
    const exp = decodeJwt(token).exp ?? 0;
    return {
      ok: true,
      identity: { userId: account.id, sessionId: claims.sid, expiresAt: exp * 1000 },
    };
  } catch (err) {
    if (err instanceof InvalidTokenError) return { ok: false, code: ErrorCode.AuthInvalid };
    throw err;
  }
}
