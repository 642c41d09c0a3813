import * as nodeCrypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  cipherExecutor,
  encryptBytes,
  encryptEntries,
  nobleChunkCipher,
  nodeChunkCipher,
  runBatch,
  runBatchNode,
  seededRandom,
  workerPool,
  type BatchExecutor,
  type SourceEntry,
} from '../src/index.js';
import { digestOf, testBytes, testIdentity } from './helpers.js';

const alice = testIdentity('alice');
const bob = testIdentity('bob');

async function encryptWith(
  executor: BatchExecutor,
  data: Uint8Array,
  seed: string,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const entry: SourceEntry = {
    type: 'file',
    path: 'data.bin',
    size: data.length,
    read: async function* () {
      await Promise.resolve();
      // Uneven pieces, so batching does not line up with the reads.
      for (let at = 0; at < data.length; at += 7_777) yield data.subarray(at, at + 7_777);
    },
  };
  await encryptEntries(
    [entry],
    {
      sender: alice,
      recipients: [bob.publicIdentity],
      random: seededRandom(seed),
      created: 0,
      chunkLog2: 12,
    },
    {
      executor,
      write: (bytes) => {
        parts.push(bytes.slice());
        return Promise.resolve();
      },
    },
  );
  return Buffer.concat(parts);
}

describe('bulk crypto paths produce identical bytes', () => {
  it('runBatch(node) = runBatch(noble) = runBatchNode for seal and open', () => {
    const key = testBytes(32, 'key');
    const data = testBytes(5 * 4096 + 100, 'batch');
    const job = {
      op: 'seal' as const,
      key,
      firstIndex: 7,
      chunkSize: 4096,
      data,
      endsWithFinal: true,
    };
    const noble = runBatch(nobleChunkCipher, job);
    const node = runBatch(nodeChunkCipher, job);
    const fast = runBatchNode(nodeCrypto, job);
    expect(digestOf(node.output)).toBe(digestOf(noble.output));
    expect(digestOf(fast.output)).toBe(digestOf(noble.output));
    expect(digestOf(fast.digests)).toBe(digestOf(noble.digests));

    const openJob = { ...job, op: 'open' as const, data: noble.output };
    const opened = [
      runBatch(nobleChunkCipher, openJob),
      runBatch(nodeChunkCipher, openJob),
      runBatchNode(nodeCrypto, openJob),
    ];
    for (const result of opened) {
      expect(result.failedAt).toBe(-1);
      expect(digestOf(result.output)).toBe(digestOf(data));
      expect(digestOf(result.digests)).toBe(digestOf(noble.digests));
    }
  });

  it('whole files: noble and node:crypto agree byte for byte', async () => {
    const data = testBytes(300 * 1024 + 12345, 'identical');
    const noble = await encryptWith(cipherExecutor(nobleChunkCipher), data, 'same-randomness');
    const node = await encryptWith(cipherExecutor(nodeChunkCipher), data, 'same-randomness');
    expect(digestOf(node)).toBe(digestOf(noble));
  });

  it('the worker pool gives the inline bytes across many batches', async () => {
    const data = testBytes(5 * 1024 * 1024 + 999, 'pooled');
    const inline = await encryptWith(cipherExecutor(nodeChunkCipher), data, 'same-randomness');
    const pool = workerPool(2);
    try {
      const pooled = await encryptWith(pool, data, 'same-randomness');
      expect(digestOf(pooled)).toBe(digestOf(inline));
    } finally {
      await pool.close();
    }
  });

  it('a failed final chunk that opens as a middle chunk is reported as cut off', () => {
    const key = testBytes(32, 'key');
    const data = testBytes(2 * 1024, 'cut');
    const sealed = runBatch(nodeChunkCipher, {
      op: 'seal',
      key,
      firstIndex: 0,
      chunkSize: 1024,
      data,
      endsWithFinal: false,
    });
    for (const run of [
      (d: Uint8Array) =>
        runBatch(nobleChunkCipher, {
          op: 'open',
          key,
          firstIndex: 0,
          chunkSize: 1024,
          data: d,
          endsWithFinal: true,
        }),
      (d: Uint8Array) =>
        runBatchNode(nodeCrypto, {
          op: 'open',
          key,
          firstIndex: 0,
          chunkSize: 1024,
          data: d,
          endsWithFinal: true,
        }),
    ]) {
      const result = run(sealed.output);
      expect(result.failedAt).toBe(1);
      expect(result.failedFinalOpensAsMiddle).toBe(true);
    }
  });

  it('the same randomness gives the same file; different randomness a different one', async () => {
    const files = [{ path: 'a.txt', data: testBytes(1000) }];
    const params = { sender: alice, recipients: [bob.publicIdentity], created: 0 };
    const a = await encryptBytes(files, { ...params, random: seededRandom('x') });
    const b = await encryptBytes(files, { ...params, random: seededRandom('x') });
    const c = await encryptBytes(files, { ...params, random: seededRandom('y') });
    expect(digestOf(a)).toBe(digestOf(b));
    expect(digestOf(a)).not.toBe(digestOf(c));
  });
});
