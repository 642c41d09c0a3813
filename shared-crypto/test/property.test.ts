/**
 * Property tests (fast-check, fixed seed so every run is the same): round trips over random sizes,
 * chunk sizes, recipient counts, file counts and padding; and no single-byte corruption, truncation
 * or extension of a valid file ever decrypts.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DataCryptError,
  cipherExecutor,
  decryptBytes,
  encryptBytes,
  encryptEntries,
  nobleChunkCipher,
  nodeChunkCipher,
  publicIdentitiesEqual,
  seededRandom,
  type ErrorCode,
} from '../src/index.js';
import { inPieces, testBytes, testIdentity } from './helpers.js';

const SEED = 42;
const alice = testIdentity('alice');
const pool = ['bob', 'carol', 'dave', 'erin', 'frank'].map(testIdentity);
const [bob, carol, dave] = pool;

/** The codes a damaged file may give: never E_IO, E_ARGUMENT or an identity error. */
const INPUT_CODES: readonly ErrorCode[] = [
  'E_FORMAT',
  'E_VERSION',
  'E_NOT_RECIPIENT',
  'E_HEADER_MAC',
  'E_CHUNK_AUTH',
  'E_TRUNCATED',
  'E_SIGNATURE',
  'E_MANIFEST',
];

/** Byte equality without the cost of a deep-equality diff on large arrays. */
function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return (
    a !== undefined && b !== undefined && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b)
  );
}

const transfer = fc.record({
  sizes: fc.array(fc.integer({ min: 0, max: 200 * 1024 }), { minLength: 1, maxLength: 4 }),
  nested: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  chunkLog2: fc.integer({ min: 10, max: 16 }),
  recipients: fc.integer({ min: 1, max: 5 }),
  reader: fc.nat(),
  pad: fc.boolean(),
  seed: fc.nat(),
  pieces: fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 6 }),
  cipher: fc.constantFrom(nodeChunkCipher, nobleChunkCipher),
});

describe('round trip', () => {
  it('any sizes, chunk sizes, recipients, file counts and padding, buffered and streamed', async () => {
    await fc.assert(
      fc.asyncProperty(transfer, async (t) => {
        const files = t.sizes.map((size, i) => ({
          path: t.nested[i] ? `folder-${i}/file-${i}.bin` : `file-${i}.bin`,
          data: testBytes(size, `property ${t.seed} ${i}`),
        }));
        const recipients = pool.slice(0, t.recipients);
        const reader = recipients.at(t.reader % recipients.length);
        if (reader === undefined) throw new Error('no reader');
        const file = await encryptBytes(files, {
          sender: alice,
          recipients: recipients.map((r) => r.publicIdentity),
          chunkLog2: t.chunkLog2,
          pad: t.pad,
          created: 0,
          random: seededRandom(`property ${t.seed}`),
          cipher: t.cipher,
        });
        const params = { identity: reader, expectedSender: alice.publicIdentity, cipher: t.cipher };
        for (const out of [
          await decryptBytes(file, params),
          await decryptBytes(inPieces(file, t.pieces), params),
        ]) {
          expect(out.files.map((f) => f.path)).toEqual(files.map((f) => f.path));
          out.files.forEach((f, i) => {
            expect(sameBytes(f.data, files[i]?.data), f.path).toBe(true);
          });
          expect(publicIdentitiesEqual(out.sender, alice.publicIdentity)).toBe(true);
          if (!t.pad) expect(out.manifest.padding).toBe(0);
        }
      }),
      { seed: SEED, numRuns: 80 },
    );
  });

  it('a stream of unknown size, any length and chunk size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 200 * 1024 }),
        fc.integer({ min: 10, max: 16 }),
        fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 6 }),
        async (size, chunkLog2, pieces) => {
          const data = testBytes(size, `property stream ${size}`);
          const parts: Uint8Array[] = [];
          await encryptEntries(
            [{ type: 'file', path: 'stream', size: null, read: () => inPieces(data, pieces) }],
            {
              sender: alice,
              recipients: [bob.publicIdentity],
              chunkLog2,
              created: 0,
              random: seededRandom(`property stream ${size}`),
            },
            {
              executor: cipherExecutor(nodeChunkCipher),
              write: (bytes) => {
                parts.push(bytes.slice());
                return Promise.resolve();
              },
            },
          );
          const file = new Uint8Array(Buffer.concat(parts));
          const out = await decryptBytes(inPieces(file, pieces), { identity: bob });
          expect(sameBytes(out.files[0]?.data, data)).toBe(true);
        },
      ),
      { seed: SEED, numRuns: 50 },
    );
  });
});

describe('damaged files never decrypt', () => {
  const samples: Uint8Array[] = [];
  const reader = carol;

  beforeAll(async () => {
    const recipients = [bob, carol, dave].map((r) => r.publicIdentity);
    const make = (
      files: { path: string; data: Uint8Array }[],
      seed: string,
      pad: boolean,
      chunkLog2: number,
    ): Promise<Uint8Array> =>
      encryptBytes(files, {
        sender: alice,
        recipients,
        chunkLog2,
        pad,
        created: 0,
        random: seededRandom(seed),
        cipher: nodeChunkCipher,
      });
    samples.push(
      await make([{ path: 'a.bin', data: testBytes(3000, 'damage a') }], 'damage a', false, 10),
    );
    samples.push(
      await make(
        [
          { path: 'x/1.txt', data: testBytes(10, 'damage b1') },
          { path: 'x/2.txt', data: testBytes(0, 'damage b2') },
          { path: '3.bin', data: testBytes(1500, 'damage b3') },
        ],
        'damage b',
        true,
        10,
      ),
    );
    samples.push(
      await make([{ path: 'c.bin', data: testBytes(200, 'damage c') }], 'damage c', false, 16),
    );
    const parts: Uint8Array[] = [];
    await encryptEntries(
      [
        {
          type: 'file',
          path: 'stream',
          size: null,
          read: () => inPieces(testBytes(2500, 'damage d'), [999]),
        },
      ],
      { sender: alice, recipients, chunkLog2: 10, created: 0, random: seededRandom('damage d') },
      {
        executor: cipherExecutor(nodeChunkCipher),
        write: (bytes) => {
          parts.push(bytes.slice());
          return Promise.resolve();
        },
      },
    );
    samples.push(new Uint8Array(Buffer.concat(parts)));
    for (const sample of samples) {
      await decryptBytes(sample, { identity: reader, expectedSender: alice.publicIdentity });
    }
  });

  /** Asserts that decrypting fails with a DataCryptError whose code is one of INPUT_CODES. */
  async function expectRejected(input: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    let error: unknown = null;
    try {
      await decryptBytes(input, {
        identity: reader,
        expectedSender: alice.publicIdentity,
        cipher: nodeChunkCipher,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataCryptError);
    expect(INPUT_CODES).toContain((error as DataCryptError).code);
  }

  it('any single-byte corruption', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 3 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.boolean(),
        async (which, where, xor, streamed) => {
          const sample = samples[which % samples.length] ?? new Uint8Array(0);
          const damaged = sample.slice();
          const position = where % damaged.length;
          damaged[position] = (damaged[position] ?? 0) ^ xor;
          await expectRejected(streamed ? inPieces(damaged, [3, 500, 1]) : damaged);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('any truncation, and any bytes appended', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 3 }),
        fc.nat(),
        fc.uint8Array({ minLength: 1, maxLength: 1100 }),
        fc.boolean(),
        async (which, where, extra, append) => {
          const sample = samples[which % samples.length] ?? new Uint8Array(0);
          const damaged = append
            ? new Uint8Array(Buffer.concat([sample, extra]))
            : sample.slice(0, where % sample.length);
          await expectRejected(damaged);
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
  });
});
