import { PassThrough, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Container } from '../container.js';
import type { TransferRecord } from '../ports.js';
import { partLength } from './transfer-view.js';
import { whenWritable } from './when-writable.js';

/** How often a live download looks for the part it waits for. */
const POLL_MS = 20;

/**
 * Whether recipients may download transfers while they are being uploaded: the operator has not
 * turned it off and the blob store can read parts before the upload completes.
 */
export function servesLive(c: Container): boolean {
  return c.config.liveDownloadWaitSeconds > 0 && c.blobs.readStoredPart !== undefined;
}

/** Why a live download could not go on; `reason` picks the answer (or a cut connection). */
export class LiveDownloadEnded extends Error {
  constructor(
    readonly reason: 'revoked' | 'gone' | 'waiting' | 'short',
    message: string,
  ) {
    super(message);
    this.name = 'LiveDownloadEnded';
  }
}

/**
 * Waits until part n of a transfer that may still be uploading is recorded and returns its etag;
 * undefined when `stopped()` turns true first (the reader went away). Throws LiveDownloadEnded
 * when the transfer is revoked, deleted or expires meanwhile, or the part does not arrive within
 * `liveDownloadWaitSeconds`.
 * @example
 * const etag = await waitForLivePart(c, transfer, 1, () => request.raw.socket.destroyed);
 */
export async function waitForLivePart(
  c: Container,
  t: TransferRecord,
  n: number,
  stopped: () => boolean,
): Promise<string | undefined> {
  const waitMs = c.config.liveDownloadWaitSeconds * 1000;
  const since = Date.now();
  for (;;) {
    if (stopped()) return undefined;
    const part = (await c.transfers.parts(t.id)).find((p) => p.n === n);
    if (part !== undefined) return part.etag;
    const now = await c.transfers.get(t.id);
    if (now === undefined || now.deleting) {
      throw new LiveDownloadEnded('gone', 'the transfer was deleted');
    }
    if (now.revokedAt !== null) throw new LiveDownloadEnded('revoked', 'the sender revoked it');
    if (now.expiresAt <= c.now()) throw new LiveDownloadEnded('gone', 'the transfer expired');
    if (Date.now() - since >= waitMs) {
      throw new LiveDownloadEnded(
        'waiting',
        `part ${n} has not been uploaded within ${waitMs / 1000} s; retry later`,
      );
    }
    await sleep(POLL_MS);
  }
}

/**
 * Bytes [start, end] of a transfer that may still be uploading, in order, each part as soon as
 * its upload is recorded (so the recipient's download runs alongside the sender's upload).
 * `firstEtag` is the recorded version of the part holding `start` (`waitForLivePart`). The stream
 * is destroyed, cutting the connection, when a later part fails to arrive (see
 * `waitForLivePart`); the client resumes with a Range. The bytes are the parts the relay verified
 * against the sender's checksums; the recipient's decryption authenticates them.
 * @example
 * const etag = await waitForLivePart(c, transfer, 1, () => false);
 * if (etag !== undefined) reply.send(liveDownload(c, transfer, 0, transfer.size - 1, etag));
 */
export function liveDownload(
  c: Container,
  t: TransferRecord,
  start: number,
  end: number,
  firstEtag: string,
): Readable {
  const readStoredPart = c.blobs.readStoredPart?.bind(c.blobs);
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  void (async () => {
    if (readStoredPart === undefined) throw new Error('the blob store cannot read parts');
    const first = Math.floor(start / t.partSize) + 1;
    const last = Math.floor(end / t.partSize) + 1;
    for (let n = first; n <= last; n++) {
      const etag = n === first ? firstEtag : await waitForLivePart(c, t, n, () => out.destroyed);
      if (etag === undefined) return;
      const base = (n - 1) * t.partSize;
      const from = Math.max(start - base, 0);
      let left = Math.min(end - base, partLength(t, n) - 1) - from + 1;
      const part = await readStoredPart(t.id, n, etag, from);
      try {
        for await (const chunk of part as AsyncIterable<Buffer>) {
          if (out.destroyed) return;
          const piece = chunk.length > left ? chunk.subarray(0, left) : chunk;
          left -= piece.length;
          if (!out.write(piece)) await whenWritable(out);
          if (left === 0) break;
        }
      } finally {
        part.destroy();
      }
      if (left !== 0) throw new LiveDownloadEnded('short', `part ${n} is shorter than recorded`);
    }
    out.end();
  })().catch((err: unknown) => {
    out.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  return out;
}
