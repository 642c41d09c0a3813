import { createHmac } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { failureCode, run, type RunResult } from './cli.js';
import type { TestRelay } from './relay.js';

/** The password every CLI test user registers with. */
export const CLI_PASSWORD = 'correct horse battery staple';

/**
 * One CLI user: an email and a profile folder in the test workspace; `dc` runs the real bin with
 * `--profile` and the password in the environment.
 */
export interface CliUser {
  email: string;
  profile: string;
  /** Runs `datacrypt ...args` for this user (cwd: the workspace). */
  dc(args: readonly string[], env?: Record<string, string>): Promise<RunResult>;
  /** Runs with `--json`, expects success and parses stdout. */
  json<T>(args: readonly string[], env?: Record<string, string>): Promise<T>;
}

/** A user whose profile lives in `<workspace>/profiles/<name>`. */
export async function cliUser(workspace: string, name: string, email: string): Promise<CliUser> {
  const profile = join(workspace, 'profiles', name);
  await mkdir(join(workspace, 'profiles'), { recursive: true });
  const dc = (args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> =>
    run([...args, '--profile', profile], {
      cwd: workspace,
      env: { DATACRYPT_PASSWORD: CLI_PASSWORD, ...env },
    });
  return {
    email,
    profile,
    dc,
    async json<T>(args: readonly string[], env?: Record<string, string>): Promise<T> {
      const result = await dc([...args, '--json'], env);
      expect(result.stderr, args.join(' ')).toBe('');
      expect(result.status, args.join(' ')).toBe(0);
      return JSON.parse(result.stdout.toString('utf8')) as T;
    },
  };
}

/** Expects a one-line coded failure with exit status 1 and returns the line. */
export function expectFailure(result: RunResult, code: string): string {
  expect(result.status).toBe(1);
  expect(failureCode(result)).toBe(code);
  return result.stderr;
}

/**
 * Registers, verifies (the code mailed by the in-process relay, given in a file) and logs in a
 * user through the CLI, on `relayUrl` (the relay itself or a proxy in front of it).
 */
export async function signUpViaCli(
  user: CliUser,
  relay: TestRelay,
  relayUrl: string,
  workspace: string,
): Promise<void> {
  const ok = (result: RunResult, what: string): void => {
    expect(result.stderr, what).toBe('');
    expect(result.status, what).toBe(0);
  };
  ok(await user.dc(['relay', 'set', relayUrl]), 'relay set');
  const passwordFile = join(workspace, `${user.email}.password`);
  await writeFile(passwordFile, `${CLI_PASSWORD}\n`, { mode: 0o600 });
  ok(
    await user.dc(['account', 'register', user.email, '--password-file', passwordFile], {
      DATACRYPT_PASSWORD: '',
    }),
    'register',
  );
  const codeFile = join(workspace, `${user.email}.code`);
  await writeFile(codeFile, relay.mailer.lastCode(user.email), { mode: 0o600 });
  ok(await user.dc(['account', 'verify', '--code-file', codeFile]), 'verify');
  ok(await user.dc(['account', 'login', user.email]), 'login');
}

function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of text.replace(/=+$/u, '').toUpperCase()) {
    const index = alphabet.indexOf(ch);
    if (index === -1) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The RFC 6238 TOTP code (SHA-1, 6 digits, 30 s) of `secret` for the step `stepOffset` from now. */
export function totpCode(secret: string, stepOffset = 0, now = Date.now()): string {
  const step = Math.floor(now / 30_000) + stepOffset;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}
