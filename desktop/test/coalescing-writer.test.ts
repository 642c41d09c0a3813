import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CoalescingWriter } from '../src/core/transfers/coalescing-writer.js';

/* The receiver's `.part` writer: exact bytes in order, appended after what a killed run left, and
   a disk error surfaces instead of leaving a silently short file. */

const dir = await mkdtemp(join(tmpdir(), 'coalescing-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Cuts `bytes` into pieces of uneven sizes (1 byte up to `max`), like network reads. */
function pieces(bytes: Buffer, max: number): Buffer[] {
  const out: Buffer[] = [];
  let seed = 7;
  for (let at = 0; at < bytes.length;) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const n = Math.min(bytes.length - at, 1 + (seed % max));
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

describe('CoalescingWriter', () => {
  it('appends every byte in order after what the file already holds', async () => {
    const path = join(dir, 'a.part');
    const prefix = randomBytes(1000);
    await writeFile(path, prefix);
    const body = randomBytes(300_000);
    const out = await CoalescingWriter.append(path, { bufferSize: 4096, buffers: 2 });
    for (const piece of pieces(body, 10_000)) await out.write(piece);
    await out.close();
    expect((await readFile(path)).equals(Buffer.concat([prefix, body]))).toBe(true);
  });

  it('creates a missing file private to the user and handles an empty stream', async () => {
    const path = join(dir, 'empty.part');
    const out = await CoalescingWriter.append(path);
    await out.close();
    const info = await stat(path);
    expect(info.size).toBe(0);
    expect(info.mode & 0o777).toBe(0o600);
  });

  it('writes a chunk larger than all its buffers together', async () => {
    const path = join(dir, 'big.part');
    const body = randomBytes(50_000);
    const out = await CoalescingWriter.append(path, { bufferSize: 1000, buffers: 2 });
    await out.write(body);
    await out.close();
    expect((await readFile(path)).equals(body)).toBe(true);
  });

  it('reports a full disk (ENOSPC) from write or close, never silently', async () => {
    const out = await CoalescingWriter.append('/dev/full', { bufferSize: 1024, buffers: 2 });
    const attempt = async () => {
      for (let i = 0; i < 8; i++) await out.write(randomBytes(1024));
      await out.close();
    };
    await expect(attempt()).rejects.toMatchObject({ code: 'ENOSPC' });
    await out.close().catch(() => undefined);
  });

  it('refuses writes after close', async () => {
    const out = await CoalescingWriter.append(join(dir, 'closed.part'));
    await out.close();
    await expect(out.write(Buffer.from('late'))).rejects.toThrow(/after close/u);
  });
});

describe('CoalescingWriter when the stream stalls', () => {
  it('puts a partly filled buffer on disk once the writes pause', async () => {
    const path = join(dir, 'stall.part');
    const out = await CoalescingWriter.append(path, { bufferSize: 1 << 20, idleFlushMs: 20 });
    const body = randomBytes(5000);
    await out.write(body);
    // Far less than a buffer: only the idle flush can bring it to the disk.
    const deadline = Date.now() + 5000;
    while ((await stat(path)).size < body.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect((await readFile(path)).equals(body)).toBe(true);
    const more = randomBytes(3000);
    await out.write(more);
    await out.close();
    expect((await readFile(path)).equals(Buffer.concat([body, more]))).toBe(true);
  });

  it('keeps bytes in order when idle flushes race the writes', async () => {
    const path = join(dir, 'race.part');
    const out = await CoalescingWriter.append(path, {
      bufferSize: 4096,
      buffers: 2,
      idleFlushMs: 1,
    });
    const body = randomBytes(200_000);
    let i = 0;
    for (const piece of pieces(body, 3000)) {
      await out.write(piece);
      if (i++ % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await out.close();
    expect((await readFile(path)).equals(body)).toBe(true);
  });
});
