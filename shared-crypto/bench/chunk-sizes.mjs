// The measurement behind the default chunk size (SPEC.md §6.3): one thread sealing 256 MiB in
// memory (AES-256-GCM + SHA-256 per chunk, the encryptor's whole per-byte work) at each chunk size.
import * as crypto from 'node:crypto';
import { runBatchNode } from '../dist/index.js';

const key = new Uint8Array(32);
const batch = crypto.randomBytes(4 << 20);
const spare = new Uint8Array(batch.length + 16 * 4096);
for (const log2 of [14, 16, 18, 20]) {
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const start = performance.now();
    for (let i = 0; i < 64; i++) {
      runBatchNode(crypto, {
        op: 'seal',
        key,
        firstIndex: i * 4096,
        chunkSize: 2 ** log2,
        data: batch,
        endsWithFinal: false,
        spare,
      });
    }
    best = Math.max(best, (64 * batch.length) / 1e6 / ((performance.now() - start) / 1000));
  }
  console.log(
    JSON.stringify({ name: 'seal-one-thread', chunkKiB: 2 ** (log2 - 10), MBps: Math.round(best) }),
  );
}
