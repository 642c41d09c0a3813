import {
  AcceptedResponse,
  MeResponse,
  PublicKeyResponse,
  Routes,
  TokenPair,
  TotpEnableResponse,
  TotpRequired,
  TotpSetupResponse,
  VerifiedResponse,
} from '@datacrypt/relay-server/contract';
import { Value } from '@sinclair/typebox/value';
import { normalizeEmail, signKeyPublication, type SecretIdentity } from '@datacrypt/shared-crypto';
import { normalizeRelayUrl, type AccountRef } from '../keys/account.js';
import type { KeyStore } from '../keys/key-store.js';
import {
  defaultJsonFetch,
  expectBody,
  sendCall,
  type HttpSettings,
  type RelayCall,
} from './http.js';
import type { JsonFetch } from './node-http.js';
import { RelayError } from './relay-error.js';

/**
 * The typed HTTP client of the relay: accounts (register, verify, login with the TOTP step,
 * rotating refresh, logout) and the key directory (publish, look up). Types and route paths come
 * from `@datacrypt/relay-server/contract`.
 * @module
 */

/** An access token this close to expiry is refreshed before use, ms. */
const EXPIRY_MARGIN_MS = 30_000;

/**
 * Options of the RelayClient.
 * @example
 * const client = new RelayClient({ relayUrl: 'https://relay.example.com', keyStore: store });
 */
export interface RelayClientOptions {
  /** The relay's base URL (normalized: https or http, no credentials, query or fragment). */
  relayUrl: string;
  /**
   * Where the refresh token of the session lives (`setToken`/`getToken`/`deleteToken` of the
   * account `{ relayUrl, email }`). Without one the session lives in memory only.
   */
  keyStore?: KeyStore | undefined;
  /** Per-call timeout, ms (default 30 000). */
  timeoutMs?: number | undefined;
  /** The JSON transport (default: node:http, see node-http.ts; the global fetch also fits). */
  fetch?: JsonFetch | undefined;
  /** The clock, ms since the epoch (default Date.now). */
  now?: (() => number) | undefined;
}

/**
 * The outcome of `login`: a session (`ok`), or a second step to complete with `loginTotp`.
 * @example
 * const step = await client.login(email, password);
 * if (step.status === 'totp_required') await client.loginTotp(step, { code: '123456' });
 */
export type LoginOutcome =
  { status: 'ok'; email: string } | { status: 'totp_required'; email: string; challenge: string };

/**
 * The second factor for `loginTotp`: a 6-digit code or a recovery code.
 * @example
 * const factor: SecondFactor = { code: '123456' };
 */
export type SecondFactor = { code: string } | { recoveryCode: string };

interface Session {
  email: string;
  accessToken: string | null;
  accessTokenExpiresAt: number;
  refreshToken: string;
}

/**
 * A client for one relay. At most one session (one account) at a time; its access token stays in
 * memory and its refresh token is kept in the KeyStore, rotated on every refresh. Parallel calls
 * share one refresh (the relay revokes the whole session when a spent refresh token is reused).
 * Every failure is a RelayError: the relay's `E_…` code, `E_NETWORK` or `E_PROTOCOL`.
 * @example
 * const client = new RelayClient({ relayUrl, keyStore });
 * await client.register('alice@example.com', password);
 * await client.verifyOtp('alice@example.com', codeFromMail);
 * await keyStore.setCurrent({ relayUrl, email: 'alice@example.com' }, identity);
 * await client.login('alice@example.com', password);
 * await client.publishKey(identity);
 * const bob = await client.getPublicKey('bob@example.com');
 */
export class RelayClient {
  readonly relayUrl: string;
  private readonly http: HttpSettings;
  private readonly keyStore: KeyStore | undefined;
  private readonly now: () => number;
  private session: Session | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(options: RelayClientOptions) {
    this.relayUrl = normalizeRelayUrl(options.relayUrl);
    this.keyStore = options.keyStore;
    this.now = options.now ?? Date.now;
    this.http = {
      baseUrl: this.relayUrl,
      timeoutMs: options.timeoutMs ?? 30_000,
      fetch: options.fetch ?? defaultJsonFetch,
    };
  }

  /** The email of the session's account, or null when logged out. */
  get email(): string | null {
    return this.session?.email ?? null;
  }

  private account(email: string): AccountRef {
    return { relayUrl: this.relayUrl, email };
  }

  /**
   * Creates an account; the relay mails a verification code (it answers the same for a taken
   * address).
   * @example
   * await client.register('alice@example.com', 'correct horse battery staple');
   */
  async register(email: string, password: string): Promise<void> {
    const { body } = await sendCall(this.http, {
      method: 'POST',
      route: Routes.register,
      body: { email: normalizeEmail(email), password },
      secrets: [password],
    });
    expectBody(AcceptedResponse, body, Routes.register);
  }

  /**
   * Confirms the email address with the mailed 6-digit code (E_CODE_INVALID when wrong).
   * @example
   * await client.verifyOtp('alice@example.com', '123456');
   */
  async verifyOtp(email: string, code: string): Promise<void> {
    const { body } = await sendCall(this.http, {
      method: 'POST',
      route: Routes.verifyOtp,
      body: { email: normalizeEmail(email), code },
      secrets: [code],
    });
    expectBody(VerifiedResponse, body, Routes.verifyOtp);
  }

  /**
   * Asks the relay to mail a new verification code.
   * @example
   * await client.sendOtp('alice@example.com');
   */
  async sendOtp(email: string): Promise<void> {
    const { body } = await sendCall(this.http, {
      method: 'POST',
      route: Routes.sendOtp,
      body: { email: normalizeEmail(email) },
    });
    expectBody(AcceptedResponse, body, Routes.sendOtp);
  }

  /**
   * Logs in. With TOTP enabled the answer is `totp_required`: finish with `loginTotp`. On success
   * the refresh token is stored in the KeyStore, so the account's identity must be stored first
   * (`KeyStore.setToken` refuses an account without one).
   * @example
   * const step = await client.login('alice@example.com', password);
   */
  async login(email: string, password: string): Promise<LoginOutcome> {
    const normalized = normalizeEmail(email);
    const { body } = await sendCall(this.http, {
      method: 'POST',
      route: Routes.login,
      body: { email: normalized, password },
      secrets: [password],
    });
    if (Value.Check(TotpRequired, body)) {
      return { status: 'totp_required', email: normalized, challenge: body.challenge };
    }
    await this.adopt(normalized, expectBody(TokenPair, body, Routes.login));
    return { status: 'ok', email: normalized };
  }

  /**
   * The second login step: the challenge from `login` and a TOTP or recovery code.
   * @example
   * await client.loginTotp(step, { code: '123456' });
   */
  async loginTotp(
    step: { email: string; challenge: string },
    factor: SecondFactor,
  ): Promise<LoginOutcome> {
    const secret = 'code' in factor ? factor.code : factor.recoveryCode;
    const { body } = await sendCall(this.http, {
      method: 'POST',
      route: Routes.loginTotp,
      body: { challenge: step.challenge, ...factor },
      secrets: [step.challenge, secret],
    });
    const email = normalizeEmail(step.email);
    await this.adopt(email, expectBody(TokenPair, body, Routes.loginTotp));
    return { status: 'ok', email };
  }

  /**
   * Resumes the session of `email` from the refresh token in the KeyStore (no network call; the
   * first authorized call refreshes). False when none is stored.
   * @example
   * if (!(await client.resume('alice@example.com'))) await client.login(email, password);
   */
  async resume(email: string): Promise<boolean> {
    const normalized = normalizeEmail(email);
    const token = (await this.keyStore?.getToken(this.account(normalized))) ?? null;
    if (token === null) return false;
    this.session = {
      email: normalized,
      accessToken: null,
      accessTokenExpiresAt: 0,
      refreshToken: token,
    };
    return true;
  }

  private async adopt(email: string, tokens: TokenPair): Promise<void> {
    this.session = {
      email,
      accessToken: tokens.accessToken,
      accessTokenExpiresAt: tokens.accessTokenExpiresAt,
      refreshToken: tokens.refreshToken,
    };
    await this.keyStore?.setToken(this.account(email), tokens.refreshToken);
  }

  private requireSession(route: string): Session {
    if (this.session === null) {
      throw new RelayError('E_AUTH_REQUIRED', `${route}: not logged in`, {
        status: null,
        route,
      });
    }
    return this.session;
  }

  /**
   * Rotates the refresh token (and gets a new access token); the new refresh token replaces the
   * old one in the KeyStore. When the relay refuses it (E_REFRESH_INVALID, E_REFRESH_REUSED) the
   * session is forgotten, here and in the KeyStore: log in again. Parallel callers share one call.
   * @example
   * await client.refresh();
   */
  refresh(): Promise<void> {
    this.refreshing ??= this.rotate().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async rotate(): Promise<void> {
    const session = this.requireSession(Routes.refresh);
    let body: unknown;
    try {
      ({ body } = await sendCall(this.http, {
        method: 'POST',
        route: Routes.refresh,
        body: { refreshToken: session.refreshToken },
        secrets: [session.refreshToken],
      }));
    } catch (error) {
      if (
        error instanceof RelayError &&
        (error.code === 'E_REFRESH_INVALID' || error.code === 'E_REFRESH_REUSED')
      ) {
        await this.forget(session);
      }
      throw error;
    }
    await this.adopt(session.email, expectBody(TokenPair, body, Routes.refresh));
  }

  private async forget(session: Session): Promise<void> {
    if (this.session === session) this.session = null;
    await this.keyStore?.deleteToken(this.account(session.email));
  }

  private async accessToken(route: string): Promise<string> {
    const session = this.requireSession(route);
    if (
      session.accessToken === null ||
      session.accessTokenExpiresAt - EXPIRY_MARGIN_MS <= this.now()
    ) {
      await this.refresh();
    }
    const token = this.requireSession(route).accessToken;
    if (token === null) throw new Error('refresh left no access token');
    return token;
  }

  /** An authorized call; a rejected access token is refreshed once and the call retried. */
  private async authorized(call: RelayCall): Promise<{ status: number; body: unknown }> {
    const token = await this.accessToken(call.route);
    try {
      return await sendCall(this.http, { ...call, accessToken: token });
    } catch (error) {
      if (!(error instanceof RelayError) || error.code !== 'E_AUTH_INVALID') throw error;
    }
    await this.refresh();
    return sendCall(this.http, { ...call, accessToken: await this.accessToken(call.route) });
  }

  /**
   * A valid access token of the session (refreshed first when near expiry), for transports this
   * client does not wrap: streamed part uploads, ranged downloads, the Socket.IO handshake.
   * E_AUTH_REQUIRED when logged out.
   * @example
   * const token = await client.sessionAccessToken();
   */
  sessionAccessToken(): Promise<string> {
    return this.accessToken('session');
  }

  /**
   * When the session's access token expires (ms since the epoch), or null when there is none yet.
   * @example
   * const renewIn = (client.accessTokenExpiresAt ?? 0) - Date.now();
   */
  get accessTokenExpiresAt(): number | null {
    return this.session?.accessToken == null ? null : this.session.accessTokenExpiresAt;
  }

  /**
   * An authorized JSON call on the session (token refresh and one retry on E_AUTH_INVALID), for
   * sibling clients of other route groups (`TransfersClient`).
   * @example
   * const { body } = await client.authorizedCall({ method: 'GET', route: Routes.inbox });
   */
  authorizedCall(call: RelayCall): Promise<{ status: number; body: unknown }> {
    return this.authorized(call);
  }

  /** Per-call timeout and fetch of this client, for sibling clients. */
  get httpSettings(): Readonly<HttpSettings> {
    return this.http;
  }

  /**
   * Ends the session on the relay and forgets it here and in the KeyStore (also when the relay
   * cannot be reached; that error is then thrown). Nothing happens when logged out.
   * @example
   * await client.logout();
   */
  async logout(): Promise<void> {
    const session = this.session;
    if (session === null) return;
    try {
      await this.authorized({ method: 'POST', route: Routes.logout });
    } finally {
      await this.forget(session);
    }
  }

  /**
   * Signs a key publication for the session's email (`signKeyPublication`) and publishes it.
   * Returns the directory entry (current key and history). E_KEY_STALE when `createdAt` is not
   * newer than the published key's.
   * @example
   * const entry = await client.publishKey(identity);
   */
  async publishKey(
    identity: SecretIdentity,
    options: { createdAt?: number } = {},
  ): Promise<PublicKeyResponse> {
    const session = this.requireSession(Routes.publishKey);
    const publication = signKeyPublication(
      identity,
      session.email,
      options.createdAt ?? this.now(),
    );
    const { body } = await this.authorized({
      method: 'PUT',
      route: Routes.publishKey,
      body: publication,
    });
    return expectBody(PublicKeyResponse, body, Routes.publishKey);
  }

  /**
   * A user's directory entry: current key publication and history (oldest first). The relay is
   * not trusted for it: check the publications (see `contacts/`). E_NOT_FOUND when none.
   * @example
   * const { current, history } = await client.getPublicKey('bob@example.com');
   */
  async getPublicKey(email: string): Promise<PublicKeyResponse> {
    const normalized = normalizeEmail(email);
    const { body } = await this.authorized({
      method: 'GET',
      route: Routes.publicKey,
      path: Routes.publicKey.replace(':email', encodeURIComponent(normalized)),
    });
    const entry = expectBody(PublicKeyResponse, body, Routes.publicKey);
    if (entry.email !== normalized) {
      throw new RelayError('E_PROTOCOL', `${Routes.publicKey}: the answer is for another email`, {
        status: null,
        route: Routes.publicKey,
      });
    }
    return entry;
  }

  /**
   * The session's account as the relay sees it (id, email, role, TOTP state, quota).
   * @example
   * const { id, totpEnabled } = await client.me();
   */
  async me(): Promise<MeResponse> {
    const { body } = await this.authorized({ method: 'GET', route: Routes.me });
    return expectBody(MeResponse, body, Routes.me);
  }

  /**
   * Starts TOTP enrolment: a fresh secret and its `otpauth://` URL to show as a QR code; confirm
   * with `totpEnable`. E_TOTP_ALREADY_ENABLED when it is on.
   * @example
   * const { otpauthUrl, secret } = await client.totpSetup();
   */
  async totpSetup(): Promise<{ secret: string; otpauthUrl: string }> {
    const { body } = await this.authorized({ method: 'POST', route: Routes.totpSetup });
    return expectBody(TotpSetupResponse, body, Routes.totpSetup);
  }

  /**
   * Confirms TOTP enrolment with a current code; returns the one-time recovery codes (shown once).
   * E_TOTP_INVALID for a wrong code.
   * @example
   * const codes = await client.totpEnable('123456');
   */
  async totpEnable(code: string): Promise<string[]> {
    const { body } = await this.authorized({
      method: 'POST',
      route: Routes.totpEnable,
      body: { code },
      secrets: [code],
    });
    return expectBody(TotpEnableResponse, body, Routes.totpEnable).recoveryCodes;
  }

  /**
   * Turns TOTP off; needs the password and a current code.
   * @example
   * await client.totpDisable(password, '123456');
   */
  async totpDisable(password: string, code: string): Promise<void> {
    await this.authorized({
      method: 'POST',
      route: Routes.totpDisable,
      body: { password, code },
      secrets: [password, code],
    });
  }

  /**
   * Changes the password. The relay revokes every other session and answers with a new session,
   * which replaces this one (and its refresh token in the KeyStore).
   * @example
   * await client.changePassword(oldPassword, newPassword);
   */
  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    const session = this.requireSession(Routes.password);
    const { body } = await this.authorized({
      method: 'POST',
      route: Routes.password,
      body: { currentPassword, newPassword },
      secrets: [currentPassword, newPassword],
    });
    await this.adopt(session.email, expectBody(TokenPair, body, Routes.password));
  }
}
