import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { verifying } from './verify.js';

/**
 * Writes `body` to a new file at `path`, checking its size and SHA-256 on the way, optionally
 * fsyncing it. The file is created before any byte flows and the stream opens it without the
 * create flag: a write stream opens lazily, and one that opened after the caller's cleanup had
 * removed the file would otherwise create it again and leave an orphan.
 * @example
 * await writeVerified(temp, request.raw, { size, sha256 }, { sync: true });
 */
export async function writeVerified(
  path: string,
  body: Readable,
  expected: { size: number; sha256: string },
  options: { sync: boolean },
): Promise<void> {
  await (await open(path, 'wx')).close();
  // 256 KiB: with the 16 KiB default, syscalls rather than the disk bound throughput; 1 MiB
  // per upload, times the uploads in flight, pushed the relay's RSS past its 300 MB goal.
  const out = createWriteStream(path, { flags: 'r+', highWaterMark: 256 * 1024 });
  await pipeline(body, verifying(expected), out);
  if (options.sync) {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
