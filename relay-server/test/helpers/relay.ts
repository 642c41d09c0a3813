import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateIdentity,
  signKeyPublication,
  type SecretIdentity,
} from '@datacrypt/shared-crypto';
import { build, type App, type BuildOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { TokenPair } from '../../src/contract/index.js';
import { MemoryMailer } from './memory-mailer.js';

export interface TestRelay {
  app: App;
  url: string;
  dir: string;
  mailer: MemoryMailer;
  clock: { offsetMs: number };
  close(): Promise<void>;
}

export const MiB = 1024 * 1024;

/** A real relay on 127.0.0.1 with a fresh data dir; env entries override the test defaults. */
export async function startRelay(
  env: Record<string, string> = {},
  options: BuildOptions = {},
): Promise<TestRelay> {
  const dir = await mkdtemp(join(tmpdir(), 'relay-test-'));
  const config = loadConfig({
    DATACRYPT_DATA_DIR: dir,
    DATACRYPT_LOG_LEVEL: 'silent',
    DATACRYPT_AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    DATACRYPT_MIN_PART_SIZE: '1024',
    ...env,
  });
  // A MemoryMailer subclass passed in (e.g. one that also delivers over SMTP) is the relay's mailer.
  const mailer = options.mailer instanceof MemoryMailer ? options.mailer : new MemoryMailer();
  const clock = { offsetMs: 0 };
  const app = await build(config, {
    mailer,
    now: () => Date.now() + clock.offsetMs,
    ...options,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    dir,
    mailer,
    clock,
    async close() {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface CallResult<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = Record<string, unknown>>(
  relay: { url: string },
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<CallResult<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  }
  const res = await fetch(relay.url + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') {
    parsed = JSON.parse(text);
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export const PASSWORD = 'correct horse battery staple';

export interface TestUser {
  email: string;
  password: string;
  tokens: TokenPair;
  access: string;
  identity: SecretIdentity;
}

/**
 * Registers, verifies (with the code `codeFor` finds for the email), logs in and, unless
 * `publishKey` is false, publishes a fresh key: the sign-up every test user goes through.
 */
export async function signUpUser(
  relay: { url: string },
  email: string,
  codeFor: (email: string) => string | Promise<string>,
  opts: { publishKey?: boolean } = {},
): Promise<TestUser> {
  const reg = await call(relay, 'POST', '/api/auth/register', {
    body: { email, password: PASSWORD },
  });
  if (reg.status !== 202) throw new Error(`register ${email}: ${reg.status}`);
  const code = await codeFor(email.toLowerCase());
  const ver = await call(relay, 'POST', '/api/auth/verify-otp', { body: { email, code } });
  if (ver.status !== 200) throw new Error(`verify ${email}: ${ver.status}`);
  const login = await call<TokenPair>(relay, 'POST', '/api/auth/login', {
    body: { email, password: PASSWORD },
  });
  if (login.status !== 200) throw new Error(`login ${email}: ${login.status}`);
  const identity = generateIdentity();
  const user = {
    email: email.toLowerCase(),
    password: PASSWORD,
    tokens: login.body,
    access: login.body.accessToken,
    identity,
  };
  if (opts.publishKey !== false) {
    const pub = signKeyPublication(identity, user.email, Date.now());
    const res = await call(relay, 'PUT', '/api/users/public-key', {
      token: user.access,
      body: pub,
    });
    if (res.status !== 200) throw new Error(`publish key ${email}: ${res.status}`);
  }
  return user;
}

/** Registers, verifies (code read from the mail) and logs in; optionally publishes a key. */
export function makeUser(
  relay: TestRelay,
  email: string,
  opts: { publishKey?: boolean } = {},
): Promise<TestUser> {
  return signUpUser(relay, email, (address) => relay.mailer.lastCode(address), opts);
}
