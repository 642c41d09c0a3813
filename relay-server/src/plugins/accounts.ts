import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Container } from '../container.js';
import {
  AcceptedResponse,
  ErrorBody,
  ErrorCode,
  LoginBody,
  LoginResponse,
  MeResponse,
  PasswordChangeBody,
  RefreshBody,
  RegisterBody,
  Routes,
  SendOtpBody,
  TokenPair,
  VerifiedResponse,
  VerifyOtpBody,
} from '../contract/index.js';
import { AppError } from '../errors.js';
import type { Account } from '../ports.js';
import { keyedHash, sameDigest, sha256Hex, sixDigitCode } from '../services/crypto.js';
import { burnPasswordCheck, hashPassword, verifyPassword } from '../services/passwords.js';
import { newAccount } from '../services/new-account.js';
import { issueTokens } from '../services/sessions.js';
import { bearer, currentUser, requireUser } from './auth.js';

const CODE_TTL_MS = 15 * 60 * 1000;
const CODE_MAX_ATTEMPTS = 5;
const TOTP_CHALLENGE_TTL_SECONDS = 300;

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody };

export function loginAttemptKey(email: string): string {
  return `login:${sha256Hex(email)}`;
}

/** Fresh verification code: mailed in clear, kept only as a keyed hash. */
async function sendVerificationCode(c: Container, account: Account, passwordHash?: string) {
  const code = sixDigitCode();
  await c.accounts.update(account.id, {
    verifyCodeHash: keyedHash(c.serverKeys.codes, `${account.id}:${code}`),
    verifyCodeExpiresAt: c.now() + CODE_TTL_MS,
    verifyCodeAttempts: 0,
    ...(passwordHash !== undefined ? { passwordHash } : {}),
  });
  await c.mailer.send({
    to: account.email,
    subject: `DataCrypt verification code: ${code}`,
    text: `Your DataCrypt verification code is ${code}. It expires in 15 minutes.\n\nIf you did not create a DataCrypt account, ignore this mail.`,
  });
}

export const accountsPlugin: FastifyPluginAsyncTypebox = (app) => {
  const c = app.container;
  const limit = (keyOf?: (body: unknown) => string) => ({
    rateLimit: {
      max: c.config.authRateLimitPerMinute,
      timeWindow: 60_000,
      ...(keyOf
        ? { keyGenerator: (req: { ip: string; body: unknown }) => `${req.ip}|${keyOf(req.body)}` }
        : {}),
    },
  });
  const auth = requireUser(c);
  const accepted = { status: 'accepted' } as const;

  app.post(
    Routes.register,
    {
      config: limit(),
      schema: {
        summary: 'Create an account; a verification code is mailed. Same answer for taken emails.',
        tags: ['auth'],
        body: RegisterBody,
        response: { 202: AcceptedResponse, ...errors },
      },
    },
    async (request, reply) => {
      const email = request.body.email.toLowerCase();
      // Hash first in every branch, so a taken address costs the same time as a free one.
      const passwordHash = await hashPassword(request.body.password);
      const existing = await c.accounts.byEmail(email);
      if (existing === undefined) {
        const account = newAccount({
          email,
          passwordHash,
          role: c.config.adminEmails.includes(email) ? 'admin' : 'user',
          verified: false,
          createdAt: c.now(),
        });
        if (await c.accounts.create(account)) await sendVerificationCode(c, account);
      } else if (!existing.verified) {
        // Whoever proves control of the mailbox wins: the newest password goes with the newest code,
        // so nobody can squat an address by registering it first.
        await sendVerificationCode(c, existing, passwordHash);
      } else {
        await c.mailer.send({
          to: existing.email,
          subject: 'DataCrypt: someone tried to register your address',
          text: 'Somebody tried to create a DataCrypt account with this address, which already has one. If it was you, log in or reset your password. Otherwise ignore this mail.',
        });
      }
      return reply.status(202).send(accepted);
    },
  );

  app.post(
    Routes.verifyOtp,
    {
      config: limit(),
      schema: {
        summary: 'Confirm the email address with the mailed 6-digit code',
        tags: ['auth'],
        body: VerifyOtpBody,
        response: { 200: VerifiedResponse, ...errors },
      },
    },
    async (request) => {
      const invalid = new AppError(ErrorCode.CodeInvalid, 'invalid or expired code');
      const account = await c.accounts.byEmail(request.body.email.toLowerCase());
      if (
        account === undefined ||
        account.verified ||
        account.verifyCodeHash === null ||
        account.verifyCodeExpiresAt === null ||
        account.verifyCodeExpiresAt <= c.now() ||
        account.verifyCodeAttempts >= CODE_MAX_ATTEMPTS
      ) {
        throw invalid;
      }
      // Every guess is counted before it is checked, in one conditional update, so concurrent
      // guesses cannot all pass the limit check above on the same stale count.
      if (
        !(await c.accounts.claimVerifyCodeAttempt(
          account.id,
          account.verifyCodeHash,
          CODE_MAX_ATTEMPTS,
        ))
      ) {
        throw invalid;
      }
      const offered = keyedHash(c.serverKeys.codes, `${account.id}:${request.body.code}`);
      if (!sameDigest(offered, account.verifyCodeHash)) throw invalid;
      await c.accounts.update(account.id, {
        verified: true,
        verifyCodeHash: null,
        verifyCodeExpiresAt: null,
        verifyCodeAttempts: 0,
      });
      return { verified: true as const };
    },
  );

  app.post(
    Routes.sendOtp,
    {
      config: limit((body) => (body as { email?: string } | undefined)?.email ?? ''),
      schema: {
        summary: 'Mail a new verification code (only to unverified accounts; same answer always)',
        tags: ['auth'],
        body: SendOtpBody,
        response: { 202: AcceptedResponse, ...errors },
      },
    },
    async (request, reply) => {
      const account = await c.accounts.byEmail(request.body.email.toLowerCase());
      if (account !== undefined && !account.verified) await sendVerificationCode(c, account);
      return reply.status(202).send(accepted);
    },
  );

  app.post(
    Routes.login,
    {
      config: limit(),
      schema: {
        summary: 'Log in; answers totp_required with a challenge when 2FA is on',
        tags: ['auth'],
        body: LoginBody,
        response: { 200: LoginResponse, ...errors },
      },
    },
    async (request) => {
      const email = request.body.email.toLowerCase();
      const key = loginAttemptKey(email);
      const windowMs = c.config.lockoutSeconds * 1000;
      const account = await c.accounts.byEmail(email);
      // Counted per address whether or not it has an account, so a lockout reveals nothing. The
      // attempt is counted before the password is checked, atomically, so a burst of concurrent
      // guesses cannot all pass the limit on the same stale count; a right password clears it.
      if (!(await c.tokens.tryAttempt(key, c.now(), windowMs, c.config.loginFailuresBeforeLock))) {
        throw new AppError(ErrorCode.TooManyAttempts, 'too many failed logins, try later', {
          'retry-after': String(c.config.lockoutSeconds),
        });
      }
      const ok =
        account === undefined
          ? await burnPasswordCheck(request.body.password)
          : await verifyPassword(account.passwordHash, request.body.password);
      if (!ok || account === undefined) {
        throw new AppError(ErrorCode.InvalidCredentials, 'wrong email or password');
      }
      await c.tokens.clearAttempts(key);
      if (!account.verified) {
        throw new AppError(ErrorCode.EmailNotVerified, 'verify your email address first');
      }
      if (account.totpSecret !== null) {
        const challenge = await c.jwt.sign(
          'totp-challenge',
          {},
          account.id,
          TOTP_CHALLENGE_TTL_SECONDS,
          c.now(),
        );
        return { status: 'totp_required' as const, challenge: challenge.token };
      }
      await c.audit.append({
        userId: account.id,
        type: 'login',
        at: c.now(),
        ip: request.ip,
        transferId: null,
      });
      return issueTokens(c, account);
    },
  );

  app.post(
    Routes.refresh,
    {
      config: limit(),
      schema: {
        summary: 'Rotate a refresh token; presenting a spent one revokes its whole family',
        tags: ['auth'],
        body: RefreshBody,
        response: { 200: TokenPair, ...errors },
      },
    },
    async (request) => {
      const now = c.now();
      const result = await c.tokens.consumeRefresh(sha256Hex(request.body.refreshToken), now);
      if (result.kind === 'reused') {
        await c.tokens.revokeFamily(result.familyId, now);
        request.log.warn({ userId: result.userId }, 'refresh token reuse: session family revoked');
        throw new AppError(ErrorCode.RefreshReused, 'refresh token already used; session revoked');
      }
      if (result.kind === 'invalid') {
        throw new AppError(ErrorCode.RefreshInvalid, 'invalid or expired refresh token');
      }
      const account = await c.accounts.byId(result.userId);
      if (account === undefined) {
        throw new AppError(ErrorCode.RefreshInvalid, 'invalid or expired refresh token');
      }
      return issueTokens(c, account, result.familyId);
    },
  );

  app.post(
    Routes.logout,
    {
      onRequest: auth,
      schema: {
        summary: 'End this session (its refresh family and access tokens)',
        tags: ['auth'],
        security: bearer,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      await c.tokens.revokeFamily(user.sessionId, c.now());
      await c.audit.append({
        userId: user.id,
        type: 'logout',
        at: c.now(),
        ip: request.ip,
        transferId: null,
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    Routes.me,
    {
      onRequest: auth,
      schema: {
        summary: 'The authenticated account',
        tags: ['auth'],
        security: bearer,
        response: { 200: MeResponse, ...errors },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const account = await c.accounts.byId(user.id);
      if (account === undefined) throw new AppError(ErrorCode.AuthInvalid, 'invalid access token');
      return {
        id: account.id,
        email: account.email,
        role: account.role,
        totpEnabled: account.totpSecret !== null,
        createdAt: account.createdAt,
        usedBytes: await c.transfers.usedBytes(account.id),
        quotaBytes: c.config.quotaBytes,
      };
    },
  );

  app.post(
    Routes.password,
    {
      onRequest: auth,
      config: limit(),
      schema: {
        summary: 'Change the password; every other session is revoked',
        tags: ['auth'],
        security: bearer,
        body: PasswordChangeBody,
        response: { 200: TokenPair, ...errors },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const account = await c.accounts.byId(user.id);
      const key = `password:${user.id}`;
      const windowMs = c.config.lockoutSeconds * 1000;
      // Reserved before the check, atomically, like the login counter.
      if (!(await c.tokens.tryAttempt(key, c.now(), windowMs, c.config.loginFailuresBeforeLock))) {
        throw new AppError(ErrorCode.TooManyAttempts, 'too many failed attempts, try later', {
          'retry-after': String(c.config.lockoutSeconds),
        });
      }
      if (
        account === undefined ||
        !(await verifyPassword(account.passwordHash, request.body.currentPassword))
      ) {
        throw new AppError(ErrorCode.InvalidCredentials, 'wrong password');
      }
      await c.tokens.clearAttempts(key);
      await c.accounts.update(user.id, {
        passwordHash: await hashPassword(request.body.newPassword),
      });
      await c.tokens.revokeAllFamilies(user.id, c.now());
      await c.audit.append({
        userId: user.id,
        type: 'password_changed',
        at: c.now(),
        ip: request.ip,
        transferId: null,
      });
      return issueTokens(c, account);
    },
  );
  return Promise.resolve();
};
