import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

/**
 * Runs a TypeScript helper script as a real separate process (to SIGKILL it): bundles it with
 * rolldown (the desktop sources in; packages, which resolve to their built dist, stay external).
 */

let bundled: Promise<string> | null = null;

/** Bundles `test/helpers/engine-child.ts` once per test file; returns the .mjs path. */
export function engineChildScript(): Promise<string> {
  bundled ??= (async () => {
    const input = fileURLToPath(new URL('./engine-child.ts', import.meta.url));
    // Inside desktop/ so the bundle's package imports resolve through its node_modules.
    const cache = fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url));
    await mkdir(cache, { recursive: true });
    const out = join(await mkdtemp(join(cache, 'engine-child-')), 'engine-child.mjs');
    const bundle = await rolldown({
      input,
      platform: 'node',
      external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0'),
      resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
      logLevel: 'silent',
    });
    await bundle.write({ file: out, format: 'esm' });
    await bundle.close();
    return out;
  })();
  return bundled;
}

export interface Child {
  process: ChildProcess;
  /** Resolves with the first JSON line the child prints (rejects if it exits first). */
  firstLine: Promise<Record<string, unknown>>;
  stderr: () => string;
  /** SIGKILLs it and waits for it to be gone. */
  kill(): Promise<void>;
}

/** Starts the engine child with `job` (see engine-child.ts), cwd = desktop/ (for node_modules). */
export async function startEngineChild(job: Record<string, unknown>): Promise<Child> {
  const script = await engineChildScript();
  const cwd = fileURLToPath(new URL('../..', import.meta.url));
  const child = spawn(process.execPath, [script], {
    cwd,
    env: { ...process.env, CHILD_JOB: JSON.stringify(job) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => {
    child.on('exit', () => {
      resolve();
    });
  });
  const firstLine = new Promise<Record<string, unknown>>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const end = out.indexOf('\n');
      if (end >= 0) resolve(JSON.parse(out.slice(0, end)) as Record<string, unknown>);
    });
    child.on('exit', (code) => {
      reject(new Error(`child exited (${String(code)}): ${err}`));
    });
  });
  return {
    process: child,
    firstLine,
    stderr: () => err,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
