import { randomInt } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { authenticator } from 'otplib';
import type { Container } from '../container.js';
import {
  ErrorBody,
  ErrorCode,
  Routes,
  TokenPair,
  TotpCodeBody,
  TotpDisableBody,
  TotpEnableResponse,
  TotpLoginBody,
  TotpSetupResponse,
} from '../contract/index.js';
import { AppError } from '../errors.js';
import { keyedHash, seal, unseal } from '../services/crypto.js';
import { InvalidTokenError } from '../services/jwt.js';
import { verifyPassword } from '../services/passwords.js';
import { issueTokens } from '../services/sessions.js';
import { bearer, currentUser, requireUser } from './auth.js';

const TOTP_MAX_FAILURES = 5;
const RECOVERY_CODES = 10;
const errors = { 400: ErrorBody, 401: ErrorBody, 409: ErrorBody, 429: ErrorBody };

authenticator.options = { window: 1 };

function recoveryCode(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const pick = () => alphabet[randomInt(alphabet.length)] ?? 'a';
  const half = () => Array.from({ length: 5 }, pick).join('');
  return `${half()}-${half()}`;
}

const STEP_MS = 30_000;

/**
 * Accepts a code of the current, previous or next 30 s step, but only for a step later than the
 * last one accepted, so an observed code cannot be replayed. Records the step on success.
 */
async function totpOk(
  c: Container,
  account: { id: string },
  secret: string,
  code: string,
): Promise<boolean> {
  const delta = authenticator.checkDelta(code, secret);
  if (delta === null) return false;
  const step = Math.floor(Date.now() / STEP_MS) + delta;
  // One atomic conditional update: of concurrent logins with the same code, exactly one passes.
  return c.accounts.consumeTotpStep(account.id, step);
}

/** Failed TOTP/recovery attempts per account, so 10^6 codes cannot be walked through. */
async function guard(c: Container, userId: string, check: () => Promise<boolean> | boolean) {
  const key = `totp:${userId}`;
  const windowMs = c.config.lockoutSeconds * 1000;
  // The attempt is counted before the code is checked, atomically, so concurrent guesses cannot
  // all pass the limit on the same stale count. A wrong code leaves it counted; a right one clears.
  if (!(await c.tokens.tryAttempt(key, c.now(), windowMs, TOTP_MAX_FAILURES))) {
    throw new AppError(ErrorCode.TooManyAttempts, 'too many failed codes, try later', {
      'retry-after': String(c.config.lockoutSeconds),
    });
  }
  if (!(await check())) throw new AppError(ErrorCode.TotpInvalid, 'invalid code');
  await c.tokens.clearAttempts(key);
}

export const totpPlugin: FastifyPluginAsyncTypebox = (app) => {
  const c = app.container;
  const auth = requireUser(c);
  const rateLimit = { rateLimit: { max: c.config.authRateLimitPerMinute, timeWindow: 60_000 } };

  app.post(
    Routes.totpSetup,
    {
      onRequest: auth,
      schema: {
        summary: 'Start TOTP enrolment: returns a secret to scan; confirm with /2fa/enable',
        tags: ['2fa'],
        security: bearer,
        response: { 200: TotpSetupResponse, ...errors },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const account = await c.accounts.byId(user.id);
      if (account?.totpSecret !== null) {
        throw new AppError(ErrorCode.TotpAlreadyEnabled, 'two-factor authentication is already on');
      }
      const secret = authenticator.generateSecret(20);
      await c.accounts.update(user.id, { totpPendingSecret: seal(c.serverKeys.seal, secret) });
      return { secret, otpauthUrl: authenticator.keyuri(user.email, 'DataCrypt', secret) };
    },
  );

  app.post(
    Routes.totpEnable,
    {
      onRequest: auth,
      config: rateLimit,
      schema: {
        summary: 'Confirm enrolment with a current code; returns one-time recovery codes',
        tags: ['2fa'],
        security: bearer,
        body: TotpCodeBody,
        response: { 200: TotpEnableResponse, ...errors },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const account = await c.accounts.byId(user.id);
      if (account === undefined || account.totpSecret !== null) {
        throw new AppError(ErrorCode.TotpAlreadyEnabled, 'two-factor authentication is already on');
      }
      const pending = account.totpPendingSecret;
      if (pending === null) throw new AppError(ErrorCode.TotpNotEnabled, 'call /2fa/setup first');
      const secret = unseal(c.serverKeys.seal, pending);
      await guard(c, user.id, () => totpOk(c, account, secret, request.body.code));
      const codes = Array.from({ length: RECOVERY_CODES }, recoveryCode);
      await c.accounts.setRecoveryCodes(
        user.id,
        codes.map((code) => keyedHash(c.serverKeys.codes, `${user.id}:${code}`)),
      );
      await c.accounts.update(user.id, { totpSecret: pending, totpPendingSecret: null });
      await c.audit.append({
        userId: user.id,
        type: 'totp_enabled',
        at: c.now(),
        ip: request.ip,
        transferId: null,
      });
      return { recoveryCodes: codes };
    },
  );

  app.post(
    Routes.totpDisable,
    {
      onRequest: auth,
      config: rateLimit,
      schema: {
        summary: 'Turn TOTP off (needs the password and a current code)',
        tags: ['2fa'],
        security: bearer,
        body: TotpDisableBody,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const account = await c.accounts.byId(user.id);
      const sealed = account?.totpSecret ?? null;
      if (account === undefined || sealed === null) {
        throw new AppError(ErrorCode.TotpNotEnabled, 'two-factor authentication is off');
      }
      const secret = unseal(c.serverKeys.seal, sealed);
      await guard(
        c,
        user.id,
        async () =>
          (await verifyPassword(account.passwordHash, request.body.password)) &&
          (await totpOk(c, account, secret, request.body.code)),
      );
      await c.accounts.update(user.id, { totpSecret: null, totpPendingSecret: null });
      await c.accounts.setRecoveryCodes(user.id, []);
      await c.audit.append({
        userId: user.id,
        type: 'totp_disabled',
        at: c.now(),
        ip: request.ip,
        transferId: null,
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    Routes.loginTotp,
    {
      config: rateLimit,
      schema: {
        summary: 'Second login step: the challenge from /login plus a TOTP or recovery code',
        tags: ['2fa'],
        body: TotpLoginBody,
        response: { 200: TokenPair, ...errors },
      },
    },
    async (request) => {
      const { challenge, code, recoveryCode: recovery } = request.body;
      if ((code === undefined) === (recovery === undefined)) {
        throw new AppError(ErrorCode.Validation, 'send exactly one of code or recoveryCode');
      }
      let userId: string;
      try {
        userId = (await c.jwt.verify(challenge, 'totp-challenge')).sub;
      } catch (err) {
        if (err instanceof InvalidTokenError) {
          throw new AppError(ErrorCode.AuthInvalid, 'invalid or expired login challenge');
        }
        throw err;
      }
      const account = await c.accounts.byId(userId);
      const sealed = account?.totpSecret ?? null;
      if (account === undefined || sealed === null) {
        throw new AppError(ErrorCode.AuthInvalid, 'invalid or expired login challenge');
      }
      const secret = unseal(c.serverKeys.seal, sealed);
      await guard(c, account.id, () =>
        code !== undefined
          ? totpOk(c, account, secret, code)
          : c.accounts.consumeRecoveryCode(
              account.id,
              keyedHash(c.serverKeys.codes, `${account.id}:${recovery ?? ''}`),
            ),
      );
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
  return Promise.resolve();
};
