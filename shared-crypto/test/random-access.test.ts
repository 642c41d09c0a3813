import { describe, expect, it } from 'vitest';
import {
  ContentDigest,
  chunkLayout,
  decryptChunkRange,
  encryptBytes,
  headerLengthFromPrefix,
  nodeChunkCipher,
  openHeader,
  seededRandom,
} from '../src/index.js';
import { digestOf, testBytes, testIdentity } from './helpers.js';

const alice = testIdentity('alice');
const bob = testIdentity('bob');

describe('random access to chunks', () => {
  it('decrypts any run of chunks on its own, and the digests rebuild the signed content hash', async () => {
    const data = testBytes(20_000, 'ranges');
    const file = await encryptBytes([{ path: 'r.bin', data }], {
      sender: alice,
      recipients: [bob.publicIdentity],
      chunkLog2: 10,
      random: seededRandom('ranges'),
      created: 0,
      cipher: nodeChunkCipher,
    });
    const headerLength = headerLengthFromPrefix(file, true) ?? 0;
    const opened = openHeader(file.subarray(0, headerLength), bob);
    const layout = chunkLayout(opened);
    expect(layout.fileLength).toBe(file.length);

    // The plaintext stream is u32 length || manifest || content: decrypt it whole, in three ranges.
    const ranges = [
      [0, 5],
      [5, 13],
      [13, layout.chunkCount],
    ] as const;
    const parts: Uint8Array[] = [];
    const digest = new ContentDigest();
    for (const [from, to] of ranges) {
      const slice = file.subarray(
        layout.offset(from),
        layout.offset(to - 1) + layout.sealedLength(to - 1),
      );
      const { plaintext, digests } = decryptChunkRange(opened, from, slice, nodeChunkCipher);
      parts.push(plaintext);
      digest.add(digests);
    }
    const whole = Buffer.concat(parts);
    expect(digestOf(whole.subarray(whole.length - data.length))).toBe(digestOf(data));
    expect(digest.chunks).toBe(layout.chunkCount);
  });

  it('refuses a range that is not whole chunks and a range with a flipped byte', async () => {
    const file = await encryptBytes([{ path: 'r.bin', data: testBytes(5000) }], {
      sender: alice,
      recipients: [bob.publicIdentity],
      chunkLog2: 10,
      random: seededRandom('ranges-2'),
      created: 0,
    });
    const opened = openHeader(file.subarray(0, headerLengthFromPrefix(file, true) ?? 0), bob);
    const layout = chunkLayout(opened);
    const one = file.slice(layout.offset(1), layout.offset(2));
    expect(() => decryptChunkRange(opened, 1, one.subarray(1), nodeChunkCipher)).toThrow(
      expect.objectContaining({ code: 'E_ARGUMENT' }),
    );
    one[3] ^= 1;
    expect(() => decryptChunkRange(opened, 1, one, nodeChunkCipher)).toThrow(
      expect.objectContaining({ code: 'E_CHUNK_AUTH' }),
    );
    // Chunk 1 presented as chunk 2: the nonce differs, so it does not open.
    const moved = file.slice(layout.offset(1), layout.offset(2));
    expect(() => decryptChunkRange(opened, 2, moved, nodeChunkCipher)).toThrow(
      expect.objectContaining({ code: 'E_CHUNK_AUTH' }),
    );
  });
});
