import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BlobIntegrityError } from '../../ports.js';

/**
 * Passes bytes through while hashing and counting; errors (so the consumer never commits)
 * when the body is longer than expected, or at the end when size or SHA-256 differ.
 */
export function verifying(expected: { size: number; sha256: string }): Transform {
  const hash = createHash('sha256');
  let seen = 0;
  // Small buffers: it passes chunks straight through, and with ~100 part uploads in flight per
  // instance 1 MiB here (per side) was most of the relay's peak RSS.
  return new Transform({
    highWaterMark: 64 * 1024,
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      seen += chunk.length;
      if (seen > expected.size) {
        done(new BlobIntegrityError('size', `part is longer than ${expected.size} bytes`));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      if (seen !== expected.size) {
        done(new BlobIntegrityError('size', `part has ${seen} bytes, expected ${expected.size}`));
        return;
      }
      const actual = hash.digest('hex');
      if (actual !== expected.sha256) {
        done(new BlobIntegrityError('checksum', 'part SHA-256 does not match'));
        return;
      }
      done();
    },
  });
}
