/**
 * Hostile input (issue 2, "Tests"): every single-byte flip, truncations around every boundary,
 * reordered / duplicated / dropped chunks, appended bytes, wrong recipient and wrong sender, each
 * with the exact error code SPEC.md §9 gives; and the decrypt-to-disk API leaves nothing behind.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  concatBytes,
  DataCryptError,
  FORMAT_VERSION,
  LABELS,
  MAX_CHUNK_LOG2,
  MIN_CHUNK_LOG2,
  SIGNATURE_RECORD_LENGTH,
  SUITE,
  UNKNOWN_PAYLOAD_SIZE,
  cipherExecutor,
  decryptBytes,
  decryptToPath,
  encryptBytes,
  encryptEntries,
  headerLength,
  hpkeOpenP384,
  nobleChunkCipher,
  nodeChunkCipher,
  parseHeader,
  seededRandom,
  type EncryptParams,
  type ErrorCode,
  type SecretIdentity,
} from '../src/index.js';
import { inPieces, tempDir, testBytes, testIdentity } from './helpers.js';
import { expectCode, layoutOf, type Layout } from './vector-support.js';

const alice = testIdentity('alice');
const bob = testIdentity('bob');
const carol = testIdentity('carol');
const dave = testIdentity('dave');

const STANZA = 145;
const MAX_STANZAS = 1024;
const FIXED = 52;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

const concat = concatBytes;

/** items[index], or a thrown error when there is none (the tests rely on the file's shape). */
function at<T>(items: readonly T[], index: number): T {
  const item = items.at(index);
  if (item === undefined) throw new Error(`no item ${index} of ${items.length}`);
  return item;
}

function params(): EncryptParams {
  return {
    sender: alice,
    recipients: [bob.publicIdentity, carol.publicIdentity],
    chunkLog2: 10,
    created: 0,
    random: seededRandom('hostile'),
  };
}

async function* once(data: Uint8Array): AsyncIterable<Uint8Array> {
  await Promise.resolve();
  yield data;
}

async function encryptUnknownSize(data: Uint8Array): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await encryptEntries(
    [{ type: 'file', path: 'stream', size: null, read: () => once(data) }],
    params(),
    {
      executor: cipherExecutor(nodeChunkCipher),
      write: (bytes) => {
        parts.push(bytes.slice());
        return Promise.resolve();
      },
    },
  );
  return concat(...parts);
}

/** The index of the stanza `identity` opens (decryptors stop at the first that opens). */
function stanzaIndexOf(file: Uint8Array, identity: SecretIdentity): number {
  return parseHeader(file).stanzas.findIndex(
    (s) =>
      hpkeOpenP384(
        identity.encryptionSecret,
        s.enc,
        LABELS.fileKeyInfo,
        new Uint8Array(0),
        s.ciphertext,
      ) !== null,
  );
}

/** What decrypting gives: 'success' or the error code; anything else is a test failure. */
async function outcome(
  file: Uint8Array | AsyncIterable<Uint8Array>,
  identity: SecretIdentity,
): Promise<string> {
  try {
    await decryptBytes(file, {
      identity,
      expectedSender: alice.publicIdentity,
      cipher: nodeChunkCipher,
    });
    return 'success';
  } catch (error) {
    if (error instanceof DataCryptError) return error.code;
    return `not a DataCryptError: ${String(error)}`;
  }
}

function flipped(file: Uint8Array, position: number, mask: number): Uint8Array {
  const copy = file.slice();
  copy[position] ^= mask;
  return copy;
}

function readU64(bytes: Uint8Array, at: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, 8);
  if (bytes.subarray(at, at + 8).every((b) => b === 0xff)) return UNKNOWN_PAYLOAD_SIZE;
  return view.getUint32(0) * 2 ** 32 + view.getUint32(4);
}

/**
 * The code SPEC.md §9 requires after one byte of the header changed, worked out field by field:
 * steps 1–5 check the fixed fields and lengths, step 6 needs our stanza intact, step 7 the MAC.
 */
function expectedForHeaderChange(
  mutated: Uint8Array,
  position: number,
  ours: number,
  stanzas: number,
): ErrorCode {
  if (position < 6) return 'E_FORMAT'; // magic
  if (position === 6 || position === 7) return 'E_VERSION'; // version, suite
  if (position === 8) {
    const c = mutated[8];
    return c >= MIN_CHUNK_LOG2 && c <= MAX_CHUNK_LOG2 ? 'E_HEADER_MAC' : 'E_FORMAT';
  }
  if (position === 9) return 'E_FORMAT'; // flags
  if (position < 18) {
    const size = readU64(mutated, 10);
    if (size === UNKNOWN_PAYLOAD_SIZE) return 'E_HEADER_MAC';
    return size === 0 || size > MAX_SAFE ? 'E_FORMAT' : 'E_HEADER_MAC';
  }
  if (position < 50) return 'E_HEADER_MAC'; // payload_salt
  if (position < FIXED) {
    const count = (mutated[50] << 8) | mutated[51];
    if (count === 0 || count > MAX_STANZAS) return 'E_FORMAT';
    if (headerLength(count) > mutated.length) return 'E_TRUNCATED';
    return ours < count ? 'E_HEADER_MAC' : 'E_NOT_RECIPIENT';
  }
  if (position < FIXED + STANZA * stanzas) {
    return Math.floor((position - FIXED) / STANZA) === ours ? 'E_NOT_RECIPIENT' : 'E_HEADER_MAC';
  }
  return 'E_HEADER_MAC'; // header_mac
}

function fieldName(position: number, stanzas: number): string {
  if (position < 6) return 'magic';
  if (position < 8) return 'version/suite';
  if (position === 8) return 'chunk_log2';
  if (position === 9) return 'flags';
  if (position < 18) return 'payload_size';
  if (position < 50) return 'payload_salt';
  if (position < FIXED) return 'stanza_count';
  if (position < FIXED + STANZA * stanzas)
    return `stanza ${Math.floor((position - FIXED) / STANZA)}`;
  return 'header_mac';
}

interface Mismatch {
  what: string;
  expected: string;
  got: string;
}

async function sweep(
  cases: Iterable<{ what: string; file: Uint8Array; expected: string }>,
  identity: SecretIdentity,
): Promise<Mismatch[]> {
  const mismatches: Mismatch[] = [];
  for (const c of cases) {
    const got = await outcome(c.file, identity);
    if (got !== c.expected) mismatches.push({ what: c.what, expected: c.expected, got });
  }
  return mismatches;
}

/** Lengths 0..header end, and ±17 around every later boundary (chunks, record, end). */
function truncationLengths(layout: Layout, total: number): number[] {
  const lengths = new Set<number>();
  for (let t = 0; t <= layout.headerLength; t++) lengths.add(t);
  const boundaries = [...layout.chunks.map((c) => c.start), layout.recordStart, total];
  for (const b of boundaries) {
    for (let t = b - 17; t <= b + 17; t++) if (t >= 0 && t < total) lengths.add(t);
  }
  return [...lengths].sort((a, b) => a - b);
}

// ---- the small file under attack: 3 chunks of 1 KiB (2 full + a short final one), two recipients

const content = testBytes(1900, 'hostile');
const file = await encryptBytes([{ path: 'victim.bin', data: content }], {
  ...params(),
  cipher: nodeChunkCipher,
});
const layout = layoutOf(file);
// Decrypt as the recipient whose stanza comes first: each attempt then costs one HPKE open, not two.
const reader = stanzaIndexOf(file, bob) === 0 ? bob : carol;
const other = reader === bob ? carol : bob;
const ours = stanzaIndexOf(file, reader);
const [c0, c1, c2] = [at(layout.chunks, 0), at(layout.chunks, 1), at(layout.chunks, 2)];

describe('the file under attack', () => {
  it('is well formed: 3 chunks (2 full), two stanzas, and decrypts for both recipients', async () => {
    expect(layout.chunks).toHaveLength(3);
    expect(c1.end - c1.start).toBe(layout.chunkSize + 16);
    expect(c2.end - c2.start).toBeLessThan(layout.chunkSize + 16);
    expect(layout.headerLength).toBe(headerLength(2));
    expect(await outcome(file, reader)).toBe('success');
    expect(await outcome(file, other)).toBe('success');
    expect(ours).toBe(0);
  });
});

describe('every single-byte change', () => {
  it('in the header gives the code of its field (xor 0x01 everywhere; 0x80, 0xff and more in the fixed fields)', async () => {
    const cases = function* () {
      for (let position = 0; position < layout.headerLength; position++) {
        const masks =
          position < FIXED
            ? [0x01, 0x02, 0x04, 0x10, 0x80, 0xff]
            : position % 4 === 0
              ? [0x01, 0x80]
              : [0x01];
        for (const mask of masks) {
          const mutated = flipped(file, position, mask);
          yield {
            what: `${fieldName(position, 2)} @${position} ^${mask.toString(16)}`,
            file: mutated,
            expected: expectedForHeaderChange(mutated, position, ours, 2),
          };
        }
      }
    };
    expect(await sweep(cases(), reader)).toEqual([]);
  });

  it('in the header, to the values that matter most', async () => {
    const set = (position: number, value: number): Uint8Array => {
      const copy = file.slice();
      copy[position] = value;
      return copy;
    };
    const cases = [
      { what: 'version 0', file: set(6, 0), expected: 'E_VERSION' },
      { what: 'version 2', file: set(6, FORMAT_VERSION + 1), expected: 'E_VERSION' },
      { what: 'suite 0', file: set(7, 0), expected: 'E_VERSION' },
      { what: 'suite 2', file: set(7, SUITE + 1), expected: 'E_VERSION' },
      { what: 'chunk_log2 9', file: set(8, MIN_CHUNK_LOG2 - 1), expected: 'E_FORMAT' },
      { what: 'chunk_log2 25', file: set(8, MAX_CHUNK_LOG2 + 1), expected: 'E_FORMAT' },
      { what: 'chunk_log2 24', file: set(8, MAX_CHUNK_LOG2), expected: 'E_HEADER_MAC' },
      { what: 'flags 0x80', file: set(9, 0x80), expected: 'E_FORMAT' },
      // A compressed-point prefix on our 97-byte enc must not make it parse as another point.
      {
        what: 'our enc prefix 0x02',
        file: set(FIXED + STANZA * ours, 0x02),
        expected: 'E_NOT_RECIPIENT',
      },
      {
        what: 'our enc prefix 0x03',
        file: set(FIXED + STANZA * ours, 0x03),
        expected: 'E_NOT_RECIPIENT',
      },
      {
        what: 'stanza_count 1',
        file: set(51, 1),
        expected: ours === 0 ? 'E_HEADER_MAC' : 'E_NOT_RECIPIENT',
      },
      {
        what: 'payload_size unknown',
        file: (() => {
          const copy = file.slice();
          copy.fill(0xff, 10, 18);
          return copy;
        })(),
        expected: 'E_HEADER_MAC',
      },
    ];
    expect(await sweep(cases, reader)).toEqual([]);
  });

  it.each([0, 1, 2])('in chunk %i gives E_CHUNK_AUTH (xor 0x01 at every byte)', async (index) => {
    const chunk = at(layout.chunks, index);
    const cases = function* () {
      for (let position = chunk.start; position < chunk.end; position++) {
        yield {
          what: `chunk ${index} @${position}`,
          file: flipped(file, position, 0x01),
          expected: 'E_CHUNK_AUTH',
        };
      }
    };
    expect(await sweep(cases(), reader)).toEqual([]);
  });

  it('in the chunks, xor 0x80 and 0xff (sampled) also give E_CHUNK_AUTH', async () => {
    const cases = function* () {
      for (let position = layout.headerLength; position < layout.recordStart; position += 23) {
        for (const mask of [0x80, 0xff]) {
          yield {
            what: `@${position} ^${mask}`,
            file: flipped(file, position, mask),
            expected: 'E_CHUNK_AUTH',
          };
        }
      }
    };
    expect(await sweep(cases(), reader)).toEqual([]);
  });

  it('in the signature record gives E_SIGNATURE (xor 0x01 and 0x80)', async () => {
    const cases = function* () {
      for (let position = layout.recordStart; position < file.length; position++) {
        for (const mask of [0x01, 0x80]) {
          yield {
            what: `record @${position} ^${mask}`,
            file: flipped(file, position, mask),
            expected: 'E_SIGNATURE',
          };
        }
      }
    };
    expect(await sweep(cases(), reader)).toEqual([]);
  });

  it('fed as a stream in small pieces gives the same codes (sampled)', async () => {
    const positions = [
      0,
      6,
      8,
      9,
      12,
      30,
      51,
      60,
      200,
      layout.headerLength - 1,
      c0.start + 5,
      c1.end - 1,
      c2.start + 3,
      file.length - 1,
    ];
    const mismatches: Mismatch[] = [];
    for (const position of positions) {
      const mutated = flipped(file, position, 0x01);
      const buffered = await outcome(mutated, reader);
      const streamed = await outcome(
        inPieces(mutated, [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144]),
        reader,
      );
      if (buffered !== streamed)
        mismatches.push({ what: `@${position}`, expected: buffered, got: streamed });
      expect(buffered).not.toBe('success');
    }
    expect(mismatches).toEqual([]);
  });
});

describe('truncation', () => {
  it('at every header length and ±17 bytes around every chunk boundary gives E_TRUNCATED', async () => {
    const lengths = truncationLengths(layout, file.length);
    expect(lengths.length).toBeGreaterThan(layout.headerLength + 100);
    const cases = lengths.map((t) => ({
      what: `cut to ${t}`,
      file: file.slice(0, t),
      expected: 'E_TRUNCATED',
    }));
    expect(await sweep(cases, reader)).toEqual([]);
  });

  it('streamed byte by byte gives E_TRUNCATED too (sampled)', async () => {
    for (const t of [
      0,
      5,
      9,
      51,
      52,
      layout.headerLength,
      c1.start,
      c1.start + 1,
      layout.recordStart,
      file.length - 1,
    ]) {
      expect(await outcome(inPieces(file.slice(0, t), [1]), reader), `cut to ${t}`).toBe(
        'E_TRUNCATED',
      );
    }
  });

  it('short inputs that are not a prefix of the magic give E_FORMAT (SPEC.md §9 step 1)', async () => {
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    const cases = [
      { what: 'X', file: enc('X'), expected: 'E_FORMAT' },
      { what: 'DCRX', file: enc('DCRX'), expected: 'E_FORMAT' },
      { what: 'DCRYPX', file: enc('DCRYPX'), expected: 'E_FORMAT' },
      { what: 'dcrypt', file: enc('dcrypt'), expected: 'E_FORMAT' },
      { what: 'DCRYPT + 1 byte', file: file.slice(0, 7), expected: 'E_TRUNCATED' },
      {
        what: 'DCRYPT v9 (short)',
        file: concat(enc('DCRYPT'), new Uint8Array([9])),
        expected: 'E_TRUNCATED',
      },
      {
        what: 'DCRYPT v9 s1 c10 f0',
        file: concat(enc('DCRYPT'), new Uint8Array([9, 1, 10, 0])),
        expected: 'E_VERSION',
      },
    ];
    expect(await sweep(cases, reader)).toEqual([]);
  });
});

describe('chunks moved around', () => {
  const piece = (c: { start: number; end: number }): Uint8Array => file.subarray(c.start, c.end);
  const header = file.subarray(0, layout.headerLength);
  const record = file.subarray(layout.recordStart);
  const cases = [
    {
      what: 'chunks 0 and 1 swapped',
      file: concat(header, piece(c1), piece(c0), piece(c2), record),
      expected: 'E_CHUNK_AUTH',
    },
    {
      what: 'rotated 1,2,0',
      file: concat(header, piece(c1), piece(c2), piece(c0), record),
      expected: 'E_CHUNK_AUTH',
    },
    {
      what: 'final chunk first',
      file: concat(header, piece(c2), piece(c0), piece(c1), record),
      expected: 'E_CHUNK_AUTH',
    },
    {
      what: 'chunk 0 in place of chunk 1',
      file: concat(header, piece(c0), piece(c0), piece(c2), record),
      expected: 'E_CHUNK_AUTH',
    },
    {
      what: 'chunk 1 in place of chunk 0',
      file: concat(header, piece(c1), piece(c1), piece(c2), record),
      expected: 'E_CHUNK_AUTH',
    },
    // Known payload_size fixes the file length, so a chunk more or less is first a length error (§9 step 9).
    {
      what: 'chunk 0 duplicated (inserted)',
      file: concat(header, piece(c0), piece(c0), piece(c1), piece(c2), record),
      expected: 'E_FORMAT',
    },
    {
      what: 'final chunk duplicated',
      file: concat(header, piece(c0), piece(c1), piece(c2), piece(c2), record),
      expected: 'E_FORMAT',
    },
    {
      what: 'chunk 0 dropped',
      file: concat(header, piece(c1), piece(c2), record),
      expected: 'E_TRUNCATED',
    },
    {
      what: 'chunk 1 dropped',
      file: concat(header, piece(c0), piece(c2), record),
      expected: 'E_TRUNCATED',
    },
    {
      what: 'final chunk dropped',
      file: concat(header, piece(c0), piece(c1), record),
      expected: 'E_TRUNCATED',
    },
    {
      what: 'signature record dropped',
      file: concat(header, piece(c0), piece(c1), piece(c2)),
      expected: 'E_TRUNCATED',
    },
    {
      what: 'record before the final chunk',
      file: concat(header, piece(c0), piece(c1), record, piece(c2)),
      expected: 'E_CHUNK_AUTH',
    },
  ];
  it('reordered, duplicated or dropped chunks give their codes', async () => {
    expect(await sweep(cases, reader)).toEqual([]);
  });
  it('the same, streamed in pieces', async () => {
    const mismatches: Mismatch[] = [];
    for (const c of cases) {
      const got = await outcome(inPieces(c.file, [7, 1, 1000, 3]), reader);
      if (got !== c.expected) mismatches.push({ what: c.what, expected: c.expected, got });
    }
    expect(mismatches).toEqual([]);
  });

  it('with a final chunk shorter than the signature record: dropped or repeated, still a length error', async () => {
    // payload_size = 2·1024 + 1: the final sealed chunk is 17 bytes, so without it the record's
    // bytes would fill its place; the length of the rest of the file decides first (§9 step 9).
    const size = content.length + 2049 - layout.payloadSize;
    const tiny = await encryptBytes([{ path: 'victim.bin', data: testBytes(size, 'tiny') }], {
      ...params(),
      cipher: nodeChunkCipher,
    });
    const t = layoutOf(tiny);
    expect(t.payloadSize).toBe(2049);
    const [t0, t1, t2] = [at(t.chunks, 0), at(t.chunks, 1), at(t.chunks, 2)];
    expect(t2.end - t2.start).toBe(17);
    const part = (c: { start: number; end: number }): Uint8Array => tiny.subarray(c.start, c.end);
    const head = tiny.subarray(0, t.headerLength);
    const rec = tiny.subarray(t.recordStart);
    const tinyReader = stanzaIndexOf(tiny, bob) === 0 ? bob : carol;
    const tinyCases = [
      {
        what: 'final chunk dropped',
        file: concat(head, part(t0), part(t1), rec),
        expected: 'E_TRUNCATED',
      },
      {
        what: 'final chunk repeated',
        file: concat(head, part(t0), part(t1), part(t2), part(t2), rec),
        expected: 'E_FORMAT',
      },
      {
        what: 'final chunk swapped with 1',
        file: concat(head, part(t0), part(t2), part(t1), rec),
        expected: 'E_CHUNK_AUTH',
      },
      {
        what: 'record dropped',
        file: concat(head, part(t0), part(t1), part(t2)),
        expected: 'E_TRUNCATED',
      },
    ];
    expect(await sweep(tinyCases, tinyReader)).toEqual([]);
  });
});

describe('other attacks', () => {
  it('bytes appended give E_FORMAT', async () => {
    const cases = [1, 2, 16, 17, 112, 1040].map((n) => ({
      what: `${n} bytes appended`,
      file: concat(file, testBytes(n, `append-${n}`)),
      expected: 'E_FORMAT',
    }));
    cases.push({
      what: 'zero byte appended',
      file: concat(file, new Uint8Array(1)),
      expected: 'E_FORMAT',
    });
    cases.push({ what: 'file appended to itself', file: concat(file, file), expected: 'E_FORMAT' });
    expect(await sweep(cases, reader)).toEqual([]);
  });

  it('a non-recipient gets E_NOT_RECIPIENT', async () => {
    expect(await outcome(file, dave)).toBe('E_NOT_RECIPIENT');
  });

  it('a wrong pinned sender gets E_SIGNATURE', async () => {
    await expectCode(
      () => decryptBytes(file, { identity: reader, expectedSender: dave.publicIdentity }),
      'E_SIGNATURE',
    );
    await expectCode(
      () =>
        decryptBytes(inPieces(file), {
          identity: reader,
          expectedSender: bob.publicIdentity,
          cipher: nobleChunkCipher,
        }),
      'E_SIGNATURE',
    );
  });

  it('a header from another file with the same recipients gives E_HEADER_MAC or E_CHUNK_AUTH', async () => {
    const otherFile = await encryptBytes([{ path: 'victim.bin', data: content }], {
      ...params(),
      random: seededRandom('hostile other'),
      cipher: nodeChunkCipher,
    });
    const otherLayout = layoutOf(otherFile);
    // Its header is valid on its own (own key), so the chunks of this file fail under that key.
    const spliced = concat(
      otherFile.subarray(0, otherLayout.headerLength),
      file.subarray(layout.headerLength),
    );
    expect(await outcome(spliced, reader)).toBe('E_CHUNK_AUTH');
    // Our stanzas with its MAC: the key opens, the MAC does not match.
    const macSwapped = concat(
      file.subarray(0, layout.headerLength - 48),
      otherFile.subarray(otherLayout.headerLength - 48, otherLayout.headerLength),
      file.subarray(layout.headerLength),
    );
    expect(await outcome(macSwapped, reader)).toBe('E_HEADER_MAC');
  });
});

describe('payload_size unknown', () => {
  const streamContent = testBytes(2600, 'hostile stream');
  let stream: Uint8Array;
  let sLayout: Layout;
  let sReader: SecretIdentity;
  beforeAll(async () => {
    stream = await encryptUnknownSize(streamContent);
    sLayout = layoutOf(stream);
    sReader = stanzaIndexOf(stream, bob) === 0 ? bob : carol;
  });

  it('decrypts, and every payload_size byte flip gives E_FORMAT (all-FF becomes > 2^53 - 1)', async () => {
    expect(sLayout.payloadSize).toBe(UNKNOWN_PAYLOAD_SIZE);
    expect(sLayout.chunks).toHaveLength(3);
    expect(await outcome(stream, sReader)).toBe('success');
    const cases = [];
    for (let position = 10; position < 18; position++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        cases.push({
          what: `payload_size @${position} ^${mask}`,
          file: flipped(stream, position, mask),
          expected: 'E_FORMAT',
        });
      }
    }
    expect(await sweep(cases, sReader)).toEqual([]);
  });

  it('every chunk byte flip gives E_CHUNK_AUTH and every record flip E_SIGNATURE', async () => {
    const cases = [];
    for (let position = sLayout.headerLength; position < stream.length; position += 7) {
      cases.push({
        what: `@${position}`,
        file: flipped(stream, position, 0x01),
        expected: position < sLayout.recordStart ? 'E_CHUNK_AUTH' : 'E_SIGNATURE',
      });
    }
    expect(await sweep(cases, sReader)).toEqual([]);
  });

  it('truncation around every boundary: E_TRUNCATED at chunk boundaries or when < 17 bytes remain, else E_CHUNK_AUTH', async () => {
    // SPEC.md §9 steps 9–10: the last 112 bytes are taken as the record, the rest split into
    // chunks of S + 16; a final chunk < 17 bytes, or a full middle chunk that opens with the last
    // flag clear, is a truncation; any other cut leaves a final chunk that cannot open.
    const sealed = sLayout.chunkSize + 16;
    const expectedFor = (t: number): string => {
      if (t < sLayout.headerLength) return 'E_TRUNCATED';
      const body = t - sLayout.headerLength - SIGNATURE_RECORD_LENGTH;
      if (body < 17) return 'E_TRUNCATED';
      const middles = Math.ceil(body / sealed) - 1;
      const final = body - middles * sealed;
      if (final < 17) return 'E_TRUNCATED';
      return final === sealed ? 'E_TRUNCATED' : 'E_CHUNK_AUTH';
    };
    const cases = truncationLengths(sLayout, stream.length).map((t) => ({
      what: `cut to ${t}`,
      file: stream.slice(0, t),
      expected: expectedFor(t),
    }));
    expect(cases.some((c) => c.expected === 'E_CHUNK_AUTH')).toBe(true);
    expect(await sweep(cases, sReader)).toEqual([]);
  });

  it('chunks reordered, duplicated or dropped give their codes', async () => {
    const [s0, s1, s2] = [at(sLayout.chunks, 0), at(sLayout.chunks, 1), at(sLayout.chunks, 2)];
    const piece = (c: { start: number; end: number }): Uint8Array =>
      stream.subarray(c.start, c.end);
    const header = stream.subarray(0, sLayout.headerLength);
    const record = stream.subarray(sLayout.recordStart);
    const cases = [
      {
        what: 'swapped',
        file: concat(header, piece(s1), piece(s0), piece(s2), record),
        expected: 'E_CHUNK_AUTH',
      },
      {
        what: 'duplicated',
        file: concat(header, piece(s0), piece(s0), piece(s1), piece(s2), record),
        expected: 'E_CHUNK_AUTH',
      },
      {
        what: 'chunk 0 dropped',
        file: concat(header, piece(s1), piece(s2), record),
        expected: 'E_CHUNK_AUTH',
      },
      {
        what: 'chunk 1 dropped',
        file: concat(header, piece(s0), piece(s2), record),
        expected: 'E_CHUNK_AUTH',
      },
      // The final chunk gone but the record kept: chunk 1 is now last and opens only as a middle one.
      {
        what: 'final chunk dropped',
        file: concat(header, piece(s0), piece(s1), record),
        expected: 'E_TRUNCATED',
      },
      { what: 'bytes appended', file: concat(stream, new Uint8Array(5)), expected: 'E_CHUNK_AUTH' },
    ];
    expect(await sweep(cases, sReader)).toEqual([]);
  });
});

describe('decryptToPath leaves nothing behind on failure', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let big: Uint8Array;
  let bigLayout: Layout;
  beforeAll(async () => {
    dir = await tempDir();
    // Two batches (the decryptor opens 1 MiB of chunks at a time): a failure in the second comes
    // after plaintext of the first was written to the staging folder.
    big = await encryptBytes(
      [
        { path: 'first.bin', data: testBytes(700_000, 'big-1') },
        { path: 'sub/second.bin', data: testBytes(700_000, 'big-2') },
      ],
      { ...params(), random: seededRandom('hostile big'), cipher: nodeChunkCipher },
    );
    bigLayout = layoutOf(big);
  });
  afterAll(async () => {
    await dir.cleanup();
  });

  let counter = 0;
  async function attempt(
    input: Uint8Array,
    expected: ErrorCode,
    options: {
      identity?: SecretIdentity;
      mode?: 'auto' | 'directory';
      stream?: boolean;
      parallelism?: number;
    } = {},
  ): Promise<void> {
    const id = counter++;
    const source = join(dir.path, `in-${id}.dcrypt`);
    await writeFile(source, input);
    const outDir = join(dir.path, `out-${id}`);
    await mkdir(outDir);
    const mode = options.mode ?? 'directory';
    const target = mode === 'directory' ? outDir : join(outDir, 'result.bin');
    await expectCode(
      () =>
        decryptToPath(
          options.stream === true ? inPieces(input, [5, 999, 64]) : source,
          { mode, path: target },
          { identity: options.identity ?? reader, expectedSender: alice.publicIdentity },
          { parallelism: options.parallelism ?? 0 },
        ),
      expected,
      `decryptToPath #${id}`,
    );
    expect(await readdir(outDir), `decryptToPath #${id} (${expected}) left output behind`).toEqual(
      [],
    );
  }

  it('for every failure class of the small file', async () => {
    const piece = (c: { start: number; end: number }): Uint8Array => file.subarray(c.start, c.end);
    const header = file.subarray(0, layout.headerLength);
    const record = file.subarray(layout.recordStart);
    await attempt(flipped(file, 2, 0x01), 'E_FORMAT'); // magic
    await attempt(flipped(file, 6, 0x01), 'E_VERSION');
    await attempt(flipped(file, 7, 0x80), 'E_VERSION');
    await attempt(flipped(file, 8, 0x80), 'E_FORMAT'); // chunk_log2
    await attempt(flipped(file, 8, 0x01), 'E_HEADER_MAC');
    await attempt(flipped(file, 9, 0x01), 'E_FORMAT'); // flags
    await attempt(flipped(file, 17, 0x01), 'E_HEADER_MAC'); // payload_size
    await attempt(flipped(file, 10, 0x01), 'E_FORMAT');
    await attempt(flipped(file, 25, 0x01), 'E_HEADER_MAC'); // salt
    await attempt(flipped(file, 50, 0x01), 'E_TRUNCATED'); // stanza_count 258
    await attempt(flipped(file, FIXED + STANZA * ours + 100, 0x01), 'E_NOT_RECIPIENT');
    await attempt(flipped(file, FIXED + STANZA * (1 - ours) + 100, 0x01), 'E_HEADER_MAC');
    await attempt(flipped(file, layout.headerLength - 1, 0x01), 'E_HEADER_MAC');
    for (const c of layout.chunks) await attempt(flipped(file, c.start + 20, 0x01), 'E_CHUNK_AUTH');
    await attempt(flipped(file, file.length - 1, 0x01), 'E_SIGNATURE');
    await attempt(flipped(file, file.length - 1, 0x01), 'E_SIGNATURE', { mode: 'auto' });
    await attempt(flipped(file, c2.start, 0x01), 'E_CHUNK_AUTH', { mode: 'auto', parallelism: 2 });
    for (const t of [
      0,
      3,
      40,
      layout.headerLength,
      c1.start + 9,
      layout.recordStart,
      file.length - 1,
    ]) {
      await attempt(file.slice(0, t), 'E_TRUNCATED');
    }
    await attempt(concat(header, piece(c1), piece(c0), piece(c2), record), 'E_CHUNK_AUTH');
    await attempt(concat(header, piece(c0), piece(c0), piece(c1), piece(c2), record), 'E_FORMAT');
    await attempt(concat(header, piece(c0), piece(c2), record), 'E_TRUNCATED');
    await attempt(concat(file, new Uint8Array([1])), 'E_FORMAT');
    await attempt(concat(file, new Uint8Array([1])), 'E_FORMAT', { stream: true, mode: 'auto' });
    await attempt(file, 'E_NOT_RECIPIENT', { identity: dave });
    await attempt(file, 'E_NOT_RECIPIENT', { identity: dave, mode: 'auto' });
  });

  it('when the wrong sender is pinned', async () => {
    const id = counter++;
    const outDir = join(dir.path, `out-${id}`);
    await mkdir(outDir);
    await expectCode(
      () =>
        decryptToPath(
          inPieces(file),
          { mode: 'directory', path: outDir },
          { identity: reader, expectedSender: dave.publicIdentity },
          { parallelism: 0 },
        ),
      'E_SIGNATURE',
    );
    expect(await readdir(outDir)).toEqual([]);
  });

  it('after plaintext was already written (failure in the second batch, or at the signature)', async () => {
    expect(bigLayout.chunks.length).toBeGreaterThan(1024);
    const late = at(bigLayout.chunks, 1200);
    await attempt(flipped(big, late.start + 1, 0x01), 'E_CHUNK_AUTH');
    await attempt(flipped(big, late.start + 1, 0x01), 'E_CHUNK_AUTH', { parallelism: 2 });
    await attempt(flipped(big, big.length - 1, 0x80), 'E_SIGNATURE');
    await attempt(flipped(big, big.length - 1, 0x80), 'E_SIGNATURE', {
      parallelism: 2,
      stream: true,
    });
    await attempt(big.slice(0, late.start + 500), 'E_TRUNCATED');
    await attempt(concat(big, new Uint8Array(3)), 'E_FORMAT');
    // A dropped chunk in an earlier batch shifts every later chunk: that batch fails to open first.
    const early = at(bigLayout.chunks, 10);
    await attempt(concat(big.subarray(0, early.start), big.subarray(early.end)), 'E_CHUNK_AUTH');
  });

  it('and succeeds, releasing exactly the transfer, when nothing is wrong', async () => {
    const outDir = join(dir.path, 'ok');
    await mkdir(outDir);
    const source = join(dir.path, 'ok.dcrypt');
    await writeFile(source, big);
    const result = await decryptToPath(
      source,
      { mode: 'directory', path: outDir },
      { identity: reader, expectedSender: alice.publicIdentity },
      { parallelism: 2 },
    );
    expect(result.manifest.entries.map((e) => e.path)).toEqual(['first.bin', 'sub/second.bin']);
    expect((await readdir(outDir)).sort()).toEqual(['first.bin', 'sub']);
  });
});
