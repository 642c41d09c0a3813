import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, seededRandom, type SecretIdentity } from '../src/index.js';

/** Fixed identities for tests: the same keys on every run. */
export function testIdentity(name: string): SecretIdentity {
  return generateIdentity(seededRandom(`identity:${name}`));
}

/** Deterministic pseudo-random content of a given length. */
export function testBytes(length: number, seed = 'content'): Uint8Array {
  return seededRandom(`bytes:${seed}`)(length);
}

/** Splits bytes into pieces of varying sizes, to drive the streaming path across every boundary. */
export async function* inPieces(
  bytes: Uint8Array,
  sizes: readonly number[] = [1, 7, 64, 1000, 4096, 65537],
): AsyncIterable<Uint8Array> {
  let at = 0;
  let i = 0;
  while (at < bytes.length) {
    const n = sizes[i++ % sizes.length] ?? 1;
    yield bytes.slice(at, at + n);
    at += n;
    await Promise.resolve();
  }
}

/** A fresh temporary folder, removed by the returned cleanup. */
export async function tempDir(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'datacrypt-test-'));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** SHA-256 hex of bytes: compares large buffers quickly and prints short diffs when they differ. */
export function digestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
