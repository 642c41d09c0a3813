import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Private temporary folders (mode 0700) that are removed when the work ends, and also on
 * Ctrl-C when the caller wires `removeTempDirsSync` to its signal handler.
 * @module
 */

const live = new Set<string>();

/**
 * Runs `work` with a fresh private folder under the system temporary folder (TMPDIR), then
 * removes the folder whatever happens.
 * @example
 * await withPrivateTempDir(async (dir) => { await decryptToPath(src, { mode: 'auto', path: join(dir, 'x') }, params); });
 */
export async function withPrivateTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'datacrypt-'));
  live.add(dir);
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
    live.delete(dir);
  }
}

/**
 * Removes every private temporary folder still in use, synchronously (for signal handlers).
 * @example
 * process.once('SIGINT', () => { removeTempDirsSync(); process.exit(130); });
 */
export function removeTempDirsSync(): void {
  for (const dir of live) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: the process is about to exit.
    }
    live.delete(dir);
  }
}

const interruptCleanups = new Set<() => Promise<void>>();

/**
 * Registers work to undo if the process is interrupted (e.g. removing a decryption's staging
 * folder of unverified plaintext). Returns the function that unregisters it.
 * @example
 * const done = cleanupOnInterrupt(() => sink.abort());
 * try { await work(); } finally { done(); }
 */
export function cleanupOnInterrupt(cleanup: () => Promise<void>): () => void {
  interruptCleanups.add(cleanup);
  return () => {
    interruptCleanups.delete(cleanup);
  };
}

/**
 * Runs every registered interrupt cleanup (waiting at most `timeoutMs`), then removes the private
 * temporary folders. For signal handlers, before exiting.
 * @example
 * process.once('SIGINT', () => void runInterruptCleanups().finally(() => process.exit(130)));
 */
export async function runInterruptCleanups(timeoutMs = 2000): Promise<void> {
  const pending = [...interruptCleanups].map((cleanup) => cleanup().catch(() => undefined));
  interruptCleanups.clear();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([Promise.all(pending), timeout]);
  clearTimeout(timer);
  removeTempDirsSync();
}
