import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The real bin, run with node: the tests need `npx tsc -b` to have built desktop/dist. */
export const BIN = fileURLToPath(new URL('../../bin/datacrypt.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface RunResult {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  /** Bytes piped to stdin. */
  input?: Buffer | string;
  /** A file opened as stdin (a regular file, not a pipe). */
  stdinFile?: string;
  env?: Record<string, string>;
}

/**
 * Runs `node desktop/bin/datacrypt.js ...args`. stdin is /dev/null unless `input` or `stdinFile`
 * is given; TMPDIR is the workspace's private `tmp` folder so leftovers can be checked.
 */
export async function run(args: readonly string[], options: RunOptions): Promise<RunResult> {
  if (!existsSync(BUILT))
    throw new Error('desktop/dist is missing: run `npx tsc -b` at the repo root first');
  const tmp = join(options.cwd, 'tmp');
  await mkdir(tmp, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, ...options.env };
  delete env['DATACRYPT_DEBUG'];
  if (options.env?.['DATACRYPT_DEBUG'] !== undefined)
    env['DATACRYPT_DEBUG'] = options.env['DATACRYPT_DEBUG'];
  const stdinHandle = options.stdinFile === undefined ? null : await open(options.stdinFile, 'r');
  try {
    const stdin =
      stdinHandle !== null ? stdinHandle.fd : options.input !== undefined ? 'pipe' : 'ignore';
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env,
      stdio: [stdin, 'pipe', 'pipe'],
    });
    if (child.stdout === null || child.stderr === null) throw new Error('no stdout/stderr pipes');
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    if (options.input !== undefined && child.stdin !== null) {
      child.stdin.on('error', () => undefined); // the CLI may stop reading early (EPIPE)
      child.stdin.end(options.input);
    }
    const status = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => {
        resolve(code);
      });
    });
    return {
      status,
      stdout: Buffer.concat(stdout),
      stderr: Buffer.concat(stderr).toString('utf8'),
    };
  } finally {
    await stdinHandle?.close();
  }
}

/** A failure must be exactly one line `datacrypt: E_CODE: message`. Returns the code. */
export function failureCode(result: RunResult): string {
  const match = /^datacrypt: (E_[A-Z_]+): [^\n]+\n$/u.exec(result.stderr);
  if (match === null)
    throw new Error(`not a one-line coded failure: ${JSON.stringify(result.stderr)}`);
  return match[1];
}

/** A fresh temporary folder for one test. */
export async function workspace(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'datacrypt-cli-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface TestIdentity {
  key: string;
  pub: string;
  fingerprint: string;
}

/** Makes an identity with `datacrypt keygen -o` in `dir` (extra args, e.g. a passphrase). */
export async function makeIdentity(
  dir: string,
  name: string,
  extra: string[] = [],
  env?: Record<string, string>,
): Promise<TestIdentity> {
  const key = join(dir, `${name}.key`);
  const result = await run(['keygen', '-o', key, ...extra], { cwd: dir, ...(env ? { env } : {}) });
  if (result.status !== 0) throw new Error(`keygen failed: ${result.stderr}`);
  const pub = result.stdout.toString('utf8').trim();
  const fingerprint = /Fingerprint: ([0-9a-f ]+)\n/u.exec(result.stderr)?.[1] ?? '';
  return { key, pub, fingerprint };
}

/** Every name in a folder, recursively, relative and sorted (for "no output left" checks). */
export async function listTree(dir: string): Promise<string[]> {
  const items = await readdir(dir, { recursive: true });
  return items.map(String).sort();
}

export async function readBytes(path: string): Promise<Buffer> {
  return readFile(path);
}

/** Deterministic pseudo-random bytes (xorshift32), so test inputs are the same on every run. */
export function patternBytes(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
