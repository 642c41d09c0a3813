import { describe, expect, it } from 'vitest';
import {
  decryptBytes,
  encryptBytes,
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
