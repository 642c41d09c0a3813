import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateIdentity, signKeyPublication } from '@datacrypt/shared-crypto';
import type { TokenPair } from '../../src/contract/index.js';
import { call, PASSWORD } from './relay.js';

export const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** A relay started as `node dist/main.js` (the real process, signals and exit code included). */
export interface RelayProcess {
  url: string;
  child: ChildProcessWithoutNullStreams;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  exited: Promise<number | null>;
}

/** Starts the built relay on a free loopback port with `dataDir`; resolves once it listens. */
export async function startRelayProcess(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<RelayProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      DATACRYPT_PORT: '0',
      DATACRYPT_DATA_DIR: dataDir,
      DATACRYPT_LOG_LEVEL: 'warn',
      DATACRYPT_AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      DATACRYPT_MIN_PART_SIZE: '1024',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m?.[1] !== undefined) {
        child.stdout.off('data', onData);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => {
      reject(new Error(`relay exited with ${String(code)} before listening:\n${out}`));
    });
  });
  return { url, child, output: () => out, exited };
}

/** The newest verification code the outbox mailer wrote for `email`. */
export async function outboxCode(dataDir: string, email: string): Promise<string> {
  const dir = join(dataDir, 'outbox');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.eml')).sort();
  for (const file of files.reverse()) {
    const raw = await readFile(join(dir, file), 'utf8');
    if (!raw.includes(`To: ${email}`)) continue;
    const m = /verification code: (\d{6})/.exec(raw);
    if (m?.[1] !== undefined) return m[1];
  }
  throw new Error(`no code mailed to ${email}`);
}

/** Registers, verifies (code from the outbox), logs in and publishes a key over HTTP. */
export async function makeUserOverHttp(
  relay: { url: string },
  dataDir: string,
  email: string,
): Promise<TokenPair> {
  const reg = await call(relay, 'POST', '/api/auth/register', {
    body: { email, password: PASSWORD },
  });
  if (reg.status !== 202) throw new Error(`register ${email}: ${reg.status}`);
  const code = await outboxCode(dataDir, email);
  const ver = await call(relay, 'POST', '/api/auth/verify-otp', { body: { email, code } });
  if (ver.status !== 200) throw new Error(`verify ${email}: ${ver.status}`);
  const login = await call<TokenPair>(relay, 'POST', '/api/auth/login', {
    body: { email, password: PASSWORD },
  });
  if (login.status !== 200) throw new Error(`login ${email}: ${login.status}`);
  const pub = signKeyPublication(generateIdentity(), email, Date.now());
  const res = await call(relay, 'PUT', '/api/users/public-key', {
    token: login.body.accessToken,
    body: pub,
  });
  if (res.status !== 200) throw new Error(`publish key ${email}: ${res.status}`);
  return login.body;
}
