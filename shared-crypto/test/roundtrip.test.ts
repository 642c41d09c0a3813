import { describe, expect, it } from 'vitest';
import {
  decryptBytes,
  decryptStream,
  encryptBytes,
  inlineExecutor,
  workerPool,
  nodeChunkCipher,
  nobleChunkCipher,
  seededRandom,
} from '../src/index.js';
import { inPieces, testBytes, testIdentity } from './helpers.js';

const alice = testIdentity('alice');
const bob = testIdentity('bob');
const carol = testIdentity('carol');

describe('buffered round trip', () => {
  for (const size of [0, 1, 1023, 1024, 1025, 5000, 70_000]) {
    it(`${size} bytes, 1 KiB chunks, two recipients`, async () => {
      const data = testBytes(size, `rt-${size}`);
      const file = await encryptBytes([{ path: 'a.bin', data }], {
        sender: alice,
        recipients: [bob.publicIdentity, carol.publicIdentity],
        chunkLog2: 10,
        random: seededRandom(`rt-${size}`),
        created: 0,
        cipher: nodeChunkCipher,
      });
      for (const reader of [bob, carol]) {
        const out = await decryptBytes(file, {
          identity: reader,
          expectedSender: alice.publicIdentity,
        });
        expect(out.files).toHaveLength(1);
        expect(out.files[0]?.data).toEqual(data);
      }
      const streamed = await decryptBytes(inPieces(file), {
        identity: bob,
        cipher: nobleChunkCipher,
      });
      expect(streamed.files[0]?.data).toEqual(data);
    });
  }
});

describe('a manifest larger than a decryption batch', () => {
  it('8 000 files (a 1.4 MB manifest) decrypt on the node:crypto executors too', async () => {
    // Regression: the manifest's pieces were kept as views of batch buffers (Buffer#slice does
    // not copy), which the next batch overwrote: E_MANIFEST for a valid file.
    const files = Array.from({ length: 8000 }, (_, i) => ({
      path: `${'folder-with-a-rather-long-name/'.repeat(4)}file-number-${String(i).padStart(6, '0')}.txt`,
      data: testBytes(1 + (i % 3), `m-${String(i)}`),
    }));
    const file = await encryptBytes(files, {
      sender: alice,
      recipients: [bob.publicIdentity],
      random: seededRandom('big-manifest'),
      created: 0,
      cipher: nodeChunkCipher,
    });
    const pool = workerPool(2);
    try {
      for (const executor of [inlineExecutor(), pool]) {
        const got = new Map<string, Uint8Array>();
        let manifestLength = 0;
        await decryptStream(
          inPieces(file, [65_536, 1000]),
          { identity: bob, expectedSender: alice.publicIdentity },
          {
            executor,
            sink: {
              begin: (_manifest, _sender, bytes) => {
                manifestLength = bytes.length;
                return Promise.resolve();
              },
              write: (entry, _index, bytes) => {
                got.set(entry.path, new Uint8Array(bytes));
                return Promise.resolve();
              },
              commit: () => Promise.resolve(),
              abort: () => Promise.resolve(),
            },
          },
        );
        expect(manifestLength).toBeGreaterThan(1024 * 1024);
        expect(got.size).toBe(files.length);
        for (const f of files) expect(got.get(f.path)).toEqual(f.data);
      }
    } finally {
      await pool.close();
    }
  });
});

describe('web streams', () => {
  it('a WHATWG ReadableStream (fetch body, Blob.stream) decrypts like any byte stream', async () => {
    const data = testBytes(50_000, 'web');
    const file = await encryptBytes([{ path: 'w.bin', data }], {
      sender: alice,
      recipients: [bob.publicIdentity],
      chunkLog2: 12,
      cipher: nodeChunkCipher,
    });
    const stream = new Blob([file]).stream();
    const out = await decryptBytes(stream, {
      identity: bob,
      expectedSender: alice.publicIdentity,
      cipher: nodeChunkCipher,
    });
    expect(out.files[0]?.data).toEqual(data);
  });
});
