// Generates the DataCrypt v1 test vectors (SPEC.md §11) into test/vectors/, one case per file.
//
//   npx tsc -b && npm run vectors -w shared-crypto
//
// Everything is derived from seededRandom(), fixed identities and a fixed `created` time, so running
// it again reproduces every file byte for byte. test/vectors.test.ts regenerates the set in memory
// (through `buildVectors` with the TypeScript sources) and fails if the committed files drifted.
import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** `created` of every generated manifest: 2025-11-23T12:13:20Z. */
export const CREATED = 1763900000000;

/** File name extension of a vector. */
export const VECTOR_EXTENSION = '.txt';

const EMPTY = new Uint8Array(0);

function utf8(text) {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

function concat(...parts) {
  return new Uint8Array(Buffer.concat(parts));
}

function u32be(value) {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

function sha256hex(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Where the header, each sealed chunk and the signature record sit in a file (SPEC.md §5–§8). */
function layout(lib, file) {
  const headerLength = lib.headerLengthFromPrefix(file, true);
  const header = lib.parseHeader(file.subarray(0, headerLength));
  const chunkSize = 2 ** header.chunkLog2;
  const sealed = chunkSize + lib.TAG_LENGTH;
  const payloadLength = file.length - headerLength - lib.SIGNATURE_RECORD_LENGTH;
  const chunks = [];
  for (let at = 0; at < payloadLength; at += sealed) {
    chunks.push({
      start: headerLength + at,
      end: headerLength + Math.min(at + sealed, payloadLength),
    });
  }
  return { header, headerLength, chunkSize, chunks, recordStart: headerLength + payloadLength };
}

/** The payload plaintext P of a file, as a recipient who knows the file key sees it. */
function payloadPlaintext(lib, file, identity) {
  const { header, keys } = lib.openHeader(
    file.subarray(0, layout(lib, file).headerLength),
    identity,
  );
  const { headerLength, chunkSize, recordStart } = layout(lib, file);
  const opened = lib.runBatch(lib.nobleChunkCipher, {
    op: 'open',
    key: keys.payloadKey,
    firstIndex: 0,
    chunkSize,
    data: file.slice(headerLength, recordStart),
    endsWithFinal: true,
  });
  if (opened.failedAt >= 0) throw new Error('payloadPlaintext: a chunk did not open');
  return { header, keys, plaintext: opened.output };
}

/**
 * Builds a file from its parts with the exported low-level pieces, for the cases the encryptor
 * refuses to make: the plaintext P (length prefix, manifest, content, padding) is given whole.
 */
function craft(lib, options) {
  const {
    sender,
    recipients,
    seed,
    chunkLog2 = 10,
    plaintext,
    payloadSize = plaintext.length,
    finalFlag = true,
  } = options;
  const random = lib.seededRandom(seed);
  const fileKey = random(32);
  const payloadSalt = random(32);
  const keys = lib.deriveFileKeys(fileKey, payloadSalt);
  const stanzas = recipients.map((r) => {
    const sealed = lib.hpkeSealP384(r.encryptionKey, lib.LABELS.fileKeyInfo, EMPTY, fileKey, {
      random,
    });
    return { enc: sealed.enc, ciphertext: sealed.ciphertext };
  });
  const header = lib.encodeHeader(
    { chunkLog2, payloadSize, payloadSalt, stanzas },
    keys.headerMacKey,
  );
  const sealed = lib.runBatch(lib.nobleChunkCipher, {
    op: 'seal',
    key: keys.payloadKey,
    firstIndex: 0,
    chunkSize: 2 ** chunkLog2,
    data: plaintext,
    endsWithFinal: finalFlag,
  });
  const digest = new lib.ContentDigest();
  digest.add(sealed.digests);
  const signature = lib.signDetached(sender, lib.signedMessage(header, digest.finish()));
  const record = lib.nobleChunkCipher.seal(keys.signatureKey, new Uint8Array(12), signature);
  return concat(header, sealed.output, record);
}

/** P = u32be(len(M)) || M || content || padding, with M given as bytes. */
function plaintextOf(manifestBytes, content = EMPTY, padding = EMPTY) {
  return concat(u32be(manifestBytes.length), manifestBytes, content, padding);
}

/** A manifest as the encryptor writes it (same key order), serialized without validation. */
function manifestJson(lib, sender, entries, padding = 0) {
  return utf8(
    JSON.stringify({
      v: 1,
      sender: lib.encodePublicIdentity(sender.publicIdentity),
      created: CREATED,
      padding,
      entries,
    }),
  );
}

async function* once(data) {
  await Promise.resolve();
  yield data;
}

/**
 * Builds every vector. `lib` is the shared-crypto module: dist/index.js when run as a script, the
 * TypeScript sources in the drift test. Returns [{ name, text }] sorted by name.
 */
export async function buildVectors(lib) {
  const identity = (name) => lib.generateIdentity(lib.seededRandom(`vector identity ${name}`));
  const alice = identity('alice');
  const bob = identity('bob');
  const carol = identity('carol');
  const dave = identity('dave');
  const content = (length, seed) => lib.seededRandom(`vector content ${seed}`)(length);

  const vectors = [];
  const add = (v) => {
    if (vectors.some((o) => o.name === v.name)) throw new Error(`duplicate vector ${v.name}`);
    vectors.push(v);
  };
  const encrypt = (files, params) =>
    lib.encryptBytes(files, {
      sender: alice,
      recipients: [bob.publicIdentity, carol.publicIdentity],
      chunkLog2: 10,
      created: CREATED,
      cipher: lib.nodeChunkCipher,
      ...params,
      random: lib.seededRandom(params.seed),
    });
  const success = async (name, comment, files, params, extra = {}) => {
    const file = await encrypt(files, { seed: `vector ${name}`, ...params });
    add({
      name,
      expect: 'success',
      comment,
      identity: bob,
      sender: alice.publicIdentity,
      files,
      file,
      ...extra,
    });
    return file;
  };
  /** The content length that makes payload_size exactly `target` for one file named `path`. */
  const sizeForPayload = async (target, path, params = {}) => {
    let size = 100;
    for (let round = 0; round < 8; round++) {
      const file = await encrypt([{ path, data: new Uint8Array(size) }], {
        seed: 'probe',
        ...params,
      });
      const payloadSize = lib.parseHeader(file).payloadSize;
      if (payloadSize === target) return size;
      size += target - payloadSize;
    }
    throw new Error(`no content size gives payload_size ${target}`);
  };

  // ---- success -------------------------------------------------------------------------------
  await success(
    'success-empty-file',
    'one file of 0 bytes',
    [{ path: 'empty.txt', data: EMPTY }],
    {},
  );
  await success(
    'success-one-byte',
    'one file of 1 byte',
    [{ path: 'one.bin', data: content(1, 'one') }],
    {},
  );
  const oneChunk = await sizeForPayload(1024, 'chunk.bin');
  const exact = await success(
    'success-exactly-one-chunk',
    'payload plaintext (length prefix + manifest + content) is exactly one 1 KiB chunk',
    [{ path: 'chunk.bin', data: content(oneChunk, 'exact') }],
    {},
  );
  if (lib.parseHeader(exact).payloadSize !== 1024)
    throw new Error('exactly-one-chunk is not one chunk');
  const plusOne = await success(
    'success-one-chunk-plus-one',
    'payload plaintext is one 1 KiB chunk + 1 byte: the final chunk holds a single byte',
    [{ path: 'chunk.bin', data: content(oneChunk + 1, 'plus-one') }],
    {},
  );
  if (lib.parseHeader(plusOne).payloadSize !== 1025)
    throw new Error('one-chunk-plus-one is not 1025');
  const twoChunks = await sizeForPayload(2048, 'two.bin');
  await success(
    'success-exactly-two-chunks',
    'payload plaintext is exactly two full 1 KiB chunks (the final chunk is full)',
    [{ path: 'two.bin', data: content(twoChunks, 'two') }],
    {},
  );
  await success(
    'success-many-chunks',
    '20000 bytes in 1 KiB chunks (20 chunks)',
    [{ path: 'many.bin', data: content(20000, 'many') }],
    {},
  );
  const crowd = Array.from({ length: 20 }, (_, i) => identity(`crowd ${i}`));
  await success(
    'success-many-recipients',
    '20 recipients (shuffled stanzas); decrypted by the 11th listed recipient',
    [{ path: 'crowd.txt', data: utf8('hello, everyone\n') }],
    { recipients: crowd.map((c) => c.publicIdentity) },
    { identity: crowd[10] },
  );
  await success(
    'success-many-files-and-folders',
    'files and folders, an empty folder, a 0-byte file, nested paths whose parents are implicit, MIME and mtime',
    [
      {
        path: 'docs/readme.md',
        data: utf8('# Read me\n'),
        mime: 'text/markdown',
        mtime: CREATED - 1000,
      },
      { path: 'docs/empty.txt', data: EMPTY },
      { path: 'photos/2025/cat.jpg', data: content(3000, 'cat'), mime: 'image/jpeg' },
      { path: 'notes.txt', data: utf8('notes\n'), mtime: CREATED - 2000 },
      { path: 'x/y/z/deep.bin', data: content(700, 'deep') },
    ],
    { dirs: ['docs', 'photos', 'photos/2025', 'empty-folder', 'nested/empty'] },
  );
  await success(
    'success-only-empty-folder',
    'a transfer of a single empty folder (no content at all)',
    [],
    { dirs: ['just-a-folder'] },
  );
  await success(
    'success-unicode-names',
    'non-ASCII UTF-8 paths',
    [
      { path: 'Überweisung – März.pdf', data: content(50, 'u1'), mime: 'application/pdf' },
      { path: '写真/猫 🐈.jpg', data: content(60, 'u2') },
    ],
    {},
  );
  const padded = content(5000, 'pad');
  const paddedFile = await success(
    'success-padding-on',
    '5000 bytes with Padmé padding (manifest.padding > 0, zero bytes after the content)',
    [{ path: 'padded.bin', data: padded }],
    { pad: true },
  );
  const unpaddedFile = await success(
    'success-padding-off',
    'the same 5000 bytes without padding',
    [{ path: 'padded.bin', data: padded }],
    { pad: false },
  );
  if (lib.parseHeader(paddedFile).payloadSize <= lib.parseHeader(unpaddedFile).payloadSize) {
    throw new Error('padding-on did not pad');
  }
  await success(
    'success-padding-on-empty',
    'a 0-byte file with Padmé padding',
    [{ path: 'empty.txt', data: EMPTY }],
    { pad: true },
  );
  await success(
    'success-max-chunk-log2',
    'chunk_log2 = 24 (16 MiB chunks) with 300 bytes: a single short final chunk',
    [{ path: 'small.bin', data: content(300, 'max') }],
    { chunkLog2: 24 },
  );
  await success(
    'success-default-chunk-log2',
    'the default chunk_log2 = 16 with 70000 bytes (two chunks)',
    [{ path: 'default.bin', data: content(70000, 'default') }],
    { chunkLog2: 16 },
  );
  await success(
    'success-second-recipient',
    'two recipients; decrypted by the second listed one, no sender pinned',
    [{ path: 'a.txt', data: utf8('for carol too\n') }],
    {},
    { identity: carol, sender: undefined },
  );

  // Unknown payload_size: one stream of unknown length, driven the way encryptBytes drives files.
  const stream = async (name, comment, data) => {
    const parts = [];
    await lib.encryptEntries(
      [{ type: 'file', path: 'stdin', size: null, read: () => once(data) }],
      {
        sender: alice,
        recipients: [bob.publicIdentity, carol.publicIdentity],
        chunkLog2: 10,
        created: CREATED,
        random: lib.seededRandom(`vector ${name}`),
      },
      {
        executor: lib.cipherExecutor(lib.nodeChunkCipher),
        write: (bytes) => {
          parts.push(bytes.slice());
          return Promise.resolve();
        },
      },
    );
    const file = concat(...parts);
    if (lib.parseHeader(file).payloadSize !== lib.UNKNOWN_PAYLOAD_SIZE)
      throw new Error('not unknown');
    add({
      name,
      expect: 'success',
      comment,
      identity: bob,
      sender: alice.publicIdentity,
      files: [{ path: 'stdin', data }],
      file,
    });
    return file;
  };
  const streamed = await stream(
    'success-unknown-size',
    'payload_size unknown (FF..FF): a stream of 3000 bytes, manifest size null',
    content(3000, 'stream'),
  );
  const manifestLength = new DataView(
    payloadPlaintext(lib, streamed, bob).plaintext.buffer,
  ).getUint32(0);
  const streamedBoundary = await stream(
    'success-unknown-size-chunk-boundary',
    'payload_size unknown and the plaintext ends exactly on a chunk boundary (final chunk is full)',
    content(3 * 1024 - 4 - manifestLength, 'stream-boundary'),
  );
  if (
    layout(lib, streamedBoundary).chunks.at(-1).end -
      layout(lib, streamedBoundary).chunks.at(-1).start !==
    1040
  ) {
    throw new Error('unknown-size-chunk-boundary does not end on a boundary');
  }

  // ---- failures derived from one valid file ---------------------------------------------------
  const baseData = content(2500, 'base');
  const base = await encrypt([{ path: 'base.bin', data: baseData }], { seed: 'vector base' });
  const baseLayout = layout(lib, base);
  if (baseLayout.chunks.length !== 3) throw new Error('the base file should have 3 chunks');
  const failure = (name, expect, comment, file, extra = {}) =>
    add({
      name,
      expect,
      comment,
      identity: bob,
      sender: alice.publicIdentity,
      files: [],
      file,
      ...extra,
    });
  const mutate = (edit) => {
    const copy = base.slice();
    edit(copy);
    return copy;
  };
  const [c0, c1, c2] = baseLayout.chunks;
  const hl = baseLayout.headerLength;

  failure(
    'fail-not-recipient',
    'E_NOT_RECIPIENT',
    'decrypted by an identity that is not a recipient',
    base,
    {
      identity: dave,
    },
  );
  failure(
    'fail-wrong-sender',
    'E_SIGNATURE',
    'the expected (pinned) sender is not the one in the manifest',
    base,
    {
      sender: dave.publicIdentity,
    },
  );
  failure(
    'fail-version',
    'E_VERSION',
    'version byte 0x02',
    mutate((f) => (f[6] = 0x02)),
  );
  failure(
    'fail-suite',
    'E_VERSION',
    'suite byte 0x02',
    mutate((f) => (f[7] = 0x02)),
  );
  failure(
    'fail-magic',
    'E_FORMAT',
    'magic "DCRYPU"',
    mutate((f) => (f[5] = 0x55)),
  );
  failure(
    'fail-chunk-log2-low',
    'E_FORMAT',
    'chunk_log2 = 9',
    mutate((f) => (f[8] = 9)),
  );
  failure(
    'fail-chunk-log2-high',
    'E_FORMAT',
    'chunk_log2 = 25',
    mutate((f) => (f[8] = 25)),
  );
  failure(
    'fail-chunk-log2-changed',
    'E_HEADER_MAC',
    'chunk_log2 changed 10 -> 11 (in range)',
    mutate((f) => (f[8] = 11)),
  );
  failure(
    'fail-flags',
    'E_FORMAT',
    'reserved flags = 0x01',
    mutate((f) => (f[9] = 0x01)),
  );
  failure(
    'fail-payload-size-zero',
    'E_FORMAT',
    'payload_size = 0',
    mutate((f) => f.fill(0, 10, 18)),
  );
  failure(
    'fail-payload-size-too-large',
    'E_FORMAT',
    'payload_size = 2^53',
    mutate((f) => {
      f.fill(0, 10, 18);
      f[11] = 0x20;
    }),
  );
  failure(
    'fail-payload-size-changed',
    'E_HEADER_MAC',
    'payload_size + 1 (still valid, so only the MAC catches it)',
    mutate((f) => (f[17] = (f[17] + 1) & 0xff)),
  );
  failure(
    'fail-stanza-count-zero',
    'E_FORMAT',
    'stanza_count = 0',
    mutate((f) => f.fill(0, 50, 52)),
  );
  failure(
    'fail-stanza-count-too-large',
    'E_FORMAT',
    'stanza_count = 1025',
    mutate((f) => {
      f[50] = 0x04;
      f[51] = 0x01;
    }),
  );
  failure(
    'fail-header-salt-flipped',
    'E_HEADER_MAC',
    'one bit of payload_salt flipped',
    mutate((f) => (f[20] ^= 0x01)),
  );
  failure(
    'fail-header-mac-flipped',
    'E_HEADER_MAC',
    'one bit of header_mac flipped',
    mutate((f) => (f[hl - 1] ^= 0x80)),
  );
  failure(
    'fail-chunk-tampered',
    'E_CHUNK_AUTH',
    'one bit flipped in chunk 1',
    mutate((f) => (f[c1.start + 100] ^= 0x01)),
  );
  failure(
    'fail-chunk-tag-tampered',
    'E_CHUNK_AUTH',
    'one bit flipped in the tag of the final chunk',
    mutate((f) => (f[c2.end - 1] ^= 0x01)),
  );
  failure(
    'fail-chunks-swapped',
    'E_CHUNK_AUTH',
    'chunks 0 and 1 (both full) swapped',
    concat(
      base.subarray(0, hl),
      base.subarray(c1.start, c1.end),
      base.subarray(c0.start, c0.end),
      base.subarray(c2.start),
    ),
  );
  failure(
    'fail-chunk-duplicated',
    'E_CHUNK_AUTH',
    'chunk 0 written in place of chunk 1',
    concat(base.subarray(0, c1.start), base.subarray(c0.start, c0.end), base.subarray(c1.end)),
  );
  failure(
    'fail-chunk-dropped',
    'E_TRUNCATED',
    'chunk 1 removed (the file is shorter than payload_size requires)',
    concat(base.subarray(0, c1.start), base.subarray(c1.end)),
  );
  failure('fail-truncated-empty', 'E_TRUNCATED', 'an empty input', EMPTY);
  failure('fail-truncated-magic', 'E_TRUNCATED', 'only "DCR"', base.slice(0, 3));
  failure(
    'fail-not-dcrypt-short',
    'E_FORMAT',
    'a 4-byte input that is not a prefix of the magic',
    utf8('%PDF'),
  );
  failure('fail-truncated-header', 'E_TRUNCATED', 'cut inside the stanzas', base.slice(0, 200));
  failure(
    'fail-truncated-chunk',
    'E_TRUNCATED',
    'cut in the middle of chunk 1',
    base.slice(0, c1.start + 500),
  );
  failure(
    'fail-truncated-at-chunk-boundary',
    'E_TRUNCATED',
    'cut exactly after chunk 1',
    base.slice(0, c1.end),
  );
  failure(
    'fail-truncated-record',
    'E_TRUNCATED',
    'the last byte of the signature record is missing',
    base.slice(0, -1),
  );
  failure(
    'fail-trailing-byte',
    'E_FORMAT',
    'one byte after the signature record',
    concat(base, new Uint8Array([0])),
  );
  failure(
    'fail-trailing-copy',
    'E_FORMAT',
    'the signature record appended twice',
    concat(base, base.subarray(baseLayout.recordStart)),
  );
  failure(
    'fail-signature-record-tampered',
    'E_SIGNATURE',
    'one bit flipped in the signature record',
    mutate((f) => (f[f.length - 50] ^= 0x01)),
  );
  failure(
    'fail-signature-record-from-other-file',
    'E_SIGNATURE',
    'the signature record of another file (a different key) replaces this one',
    concat(
      base.subarray(0, baseLayout.recordStart),
      exact.subarray(exact.length - lib.SIGNATURE_RECORD_LENGTH),
    ),
  );

  // Unknown payload_size: truncation is detected through the last-chunk flag.
  const sLayout = layout(lib, streamed);
  const sChunks = sLayout.chunks;
  const streamedFailure = (name, expect, comment, file) =>
    add({ name, expect, comment, identity: bob, sender: alice.publicIdentity, files: [], file });
  streamedFailure(
    'fail-unknown-size-final-chunk-dropped',
    'E_TRUNCATED',
    'payload_size unknown; the final chunk removed, the signature record kept (a full middle chunk is now last)',
    concat(streamed.subarray(0, sChunks.at(-1).start), streamed.subarray(sLayout.recordStart)),
  );
  streamedFailure(
    'fail-unknown-size-tiny-final-chunk',
    'E_TRUNCATED',
    'payload_size unknown; only 16 bytes of the final chunk remain before the signature record',
    concat(streamed.subarray(0, sChunks.at(-1).start + 16), streamed.subarray(sLayout.recordStart)),
  );
  streamedFailure(
    'fail-unknown-size-chunk-tampered',
    'E_CHUNK_AUTH',
    'payload_size unknown; one bit flipped in chunk 0',
    (() => {
      const copy = streamed.slice();
      copy[sChunks[0].start + 7] ^= 0x01;
      return copy;
    })(),
  );
  streamedFailure(
    'fail-unknown-size-chunks-swapped',
    'E_CHUNK_AUTH',
    'payload_size unknown; chunks 0 and 1 swapped',
    concat(
      streamed.subarray(0, sLayout.headerLength),
      streamed.subarray(sChunks[1].start, sChunks[1].end),
      streamed.subarray(sChunks[0].start, sChunks[0].end),
      streamed.subarray(sChunks[2].start),
    ),
  );
  streamedFailure(
    'fail-unknown-size-header-only',
    'E_TRUNCATED',
    'payload_size unknown; nothing after the header',
    streamed.slice(0, sLayout.headerLength),
  );

  // ---- hand-built files: what the encryptor refuses to make ---------------------------------
  const crafted = (name, expect, comment, manifest, data, options = {}) => {
    const { padding = EMPTY, files = [], ...rest } = options;
    const file = craft(lib, {
      sender: alice,
      recipients: [bob.publicIdentity, carol.publicIdentity],
      seed: `vector ${name}`,
      plaintext: plaintextOf(manifest, data, padding),
      ...rest,
    });
    add({ name, expect, comment, identity: bob, sender: alice.publicIdentity, files, file });
  };
  const small = content(1500, 'crafted');
  const fileEntry = (path, size = small.length) => ({ type: 'file', path, size });
  crafted(
    'success-crafted',
    'success',
    'built by hand like the failing crafted cases below, to show that only their defect differs',
    manifestJson(lib, alice, [fileEntry('safe.bin')]),
    small,
    { files: [{ path: 'safe.bin', data: small }] },
  );
  crafted(
    'fail-manifest-path-traversal',
    'E_MANIFEST',
    'a signed, otherwise valid file whose manifest names "../evil"',
    manifestJson(lib, alice, [fileEntry('../evil')]),
    small,
  );
  crafted(
    'fail-manifest-absolute-path',
    'E_MANIFEST',
    'a manifest path "/etc/evil"',
    manifestJson(lib, alice, [fileEntry('/etc/evil')]),
    small,
  );
  crafted(
    'fail-manifest-backslash-path',
    'E_MANIFEST',
    'a manifest path "..\\evil" (a Windows separator)',
    manifestJson(lib, alice, [fileEntry('..\\evil')]),
    small,
  );
  crafted(
    'fail-manifest-empty-component',
    'E_MANIFEST',
    'a manifest path "a//b"',
    manifestJson(lib, alice, [fileEntry('a//b')]),
    small,
  );
  crafted(
    'fail-manifest-dot-component',
    'E_MANIFEST',
    'a manifest path "a/./b"',
    manifestJson(lib, alice, [fileEntry('a/./b')]),
    small,
  );
  crafted(
    'fail-manifest-control-character',
    'E_MANIFEST',
    'a manifest path with a newline',
    manifestJson(lib, alice, [fileEntry('a\nb')]),
    small,
  );
  crafted(
    'fail-manifest-duplicate-path',
    'E_MANIFEST',
    'two entries with the same path',
    manifestJson(lib, alice, [fileEntry('twice.bin', 500), fileEntry('twice.bin', 1000)]),
    small,
  );
  crafted(
    'fail-manifest-below-file',
    'E_MANIFEST',
    'an entry below a file entry ("a" is a file, "a/b" another)',
    manifestJson(lib, alice, [fileEntry('a', 500), fileEntry('a/b', 1000)]),
    small,
  );
  crafted(
    'fail-manifest-size-mismatch',
    'E_MANIFEST',
    'the manifest declares 1499 bytes, payload_size counts 1500 (payload_size matches the real plaintext)',
    manifestJson(lib, alice, [fileEntry('short.bin', small.length - 1)]),
    small,
  );
  crafted(
    'fail-manifest-unknown-key',
    'E_MANIFEST',
    'an unknown key "owner" in a file entry',
    manifestJson(lib, alice, [{ ...fileEntry('a.bin'), owner: 'root' }]),
    small,
  );
  crafted(
    'fail-manifest-unknown-top-key',
    'E_MANIFEST',
    'an unknown top-level key "x"',
    utf8(
      JSON.stringify({
        v: 1,
        sender: lib.encodePublicIdentity(alice.publicIdentity),
        padding: 0,
        entries: [fileEntry('a.bin')],
        x: 1,
      }),
    ),
    small,
  );
  crafted(
    'fail-manifest-version',
    'E_MANIFEST',
    'manifest "v": 2',
    utf8(
      JSON.stringify({
        v: 2,
        sender: lib.encodePublicIdentity(alice.publicIdentity),
        padding: 0,
        entries: [fileEntry('a.bin')],
      }),
    ),
    small,
  );
  crafted(
    'fail-manifest-byte-order-mark',
    'E_MANIFEST',
    'the manifest starts with a UTF-8 byte-order mark (SPEC.md §7: without a BOM)',
    concat(new Uint8Array([0xef, 0xbb, 0xbf]), manifestJson(lib, alice, [fileEntry('a.bin')])),
    small,
  );
  crafted(
    'fail-manifest-not-json',
    'E_MANIFEST',
    'the manifest is not JSON',
    utf8('not json at all'),
    small,
  );
  crafted(
    'fail-manifest-invalid-utf8',
    'E_MANIFEST',
    'the manifest is not valid UTF-8',
    concat(utf8('{"v":1,"x":"'), new Uint8Array([0xc3, 0x28]), utf8('"}')),
    small,
  );
  crafted(
    'fail-manifest-bad-sender',
    'E_MANIFEST',
    'manifest.sender is not a valid public identity (checksum broken)',
    utf8(
      JSON.stringify({
        v: 1,
        sender: lib.encodePublicIdentity(alice.publicIdentity).slice(0, -1) + 'q',
        padding: 0,
        entries: [fileEntry('a.bin')],
      }),
    ),
    small,
  );
  crafted('fail-manifest-length-one', 'E_MANIFEST', 'len(M) = 1 (< 2)', utf8('0'), small);
  {
    const manifest = manifestJson(lib, alice, [fileEntry('a.bin')]);
    const plaintext = concat(u32be(manifest.length + small.length + 10), manifest, small);
    const file = craft(lib, {
      sender: alice,
      recipients: [bob.publicIdentity, carol.publicIdentity],
      seed: 'vector fail-manifest-length-past-end',
      plaintext,
    });
    failure(
      'fail-manifest-length-past-end',
      'E_MANIFEST',
      'len(M) runs past the end of the payload',
      file,
    );
  }
  crafted(
    'fail-manifest-null-size-known-payload',
    'E_MANIFEST',
    'a file entry with size null while payload_size is known',
    manifestJson(lib, alice, [{ type: 'file', path: 'a.bin', size: null }]),
    small,
  );
  crafted(
    'fail-manifest-null-size-with-other-entries',
    'E_MANIFEST',
    'payload_size unknown, size null, but a second entry',
    manifestJson(lib, alice, [
      { type: 'file', path: 'a.bin', size: null },
      { type: 'dir', path: 'd' },
    ]),
    small,
    { payloadSize: lib.UNKNOWN_PAYLOAD_SIZE },
  );
  crafted(
    'fail-padding-nonzero',
    'E_FORMAT',
    'manifest.padding = 32 and the last padding byte is 0x01',
    manifestJson(lib, alice, [fileEntry('a.bin')], 32),
    small,
    { padding: concat(new Uint8Array(31), new Uint8Array([1])) },
  );
  crafted(
    'fail-final-chunk-without-last-flag',
    'E_CHUNK_AUTH',
    'payload_size known, but the final chunk was sealed with the last flag clear',
    manifestJson(lib, alice, [fileEntry('a.bin')]),
    small,
    { finalFlag: false },
  );
  {
    // Signed by dave, but the manifest names alice as the sender.
    const file = craft(lib, {
      sender: dave,
      recipients: [bob.publicIdentity, carol.publicIdentity],
      seed: 'vector fail-signed-by-impostor',
      plaintext: plaintextOf(manifestJson(lib, alice, [fileEntry('a.bin')]), small),
    });
    failure(
      'fail-signed-by-impostor',
      'E_SIGNATURE',
      'the manifest names alice but the signature is by another identity (no sender pinned)',
      file,
      { sender: undefined },
    );
  }
  {
    // Co-recipient forgery: carol (a recipient) knows the file key. She replaces the content of
    // alice's file with her own, keeps the header (so the stanzas and MAC stay valid for bob) and
    // alice's signature record, and re-seals every chunk. Bob must see E_SIGNATURE.
    const { keys, plaintext } = payloadPlaintext(lib, base, carol);
    const forged = plaintext.slice();
    const manifestEnd = 4 + new DataView(forged.buffer).getUint32(0);
    forged.set(utf8('carol was here, alice never wrote this. '.repeat(8)), manifestEnd);
    const sealed = lib.runBatch(lib.nobleChunkCipher, {
      op: 'seal',
      key: keys.payloadKey,
      firstIndex: 0,
      chunkSize: baseLayout.chunkSize,
      data: forged,
      endsWithFinal: true,
    });
    const file = concat(base.subarray(0, hl), sealed.output, base.subarray(baseLayout.recordStart));
    failure(
      'fail-co-recipient-forgery',
      'E_SIGNATURE',
      "a co-recipient re-encrypted different content under the same header and file key, reusing the sender's signature record",
      file,
    );
    // The same, but she also re-seals a signature of her own (she knows signature_key).
    const digest = new lib.ContentDigest();
    digest.add(sealed.digests);
    const ownSignature = lib.signDetached(
      carol,
      lib.signedMessage(base.subarray(0, hl), digest.finish()),
    );
    const ownRecord = lib.nobleChunkCipher.seal(
      keys.signatureKey,
      new Uint8Array(12),
      ownSignature,
    );
    failure(
      'fail-co-recipient-forgery-own-signature',
      'E_SIGNATURE',
      'a co-recipient re-encrypted different content and signed it herself; the manifest still names the sender',
      concat(base.subarray(0, hl), sealed.output, ownRecord),
      { sender: undefined },
    );
  }

  vectors.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return vectors.map((v) => ({ name: v.name, text: formatVector(lib, v) }));
}

function formatVector(lib, v) {
  const lines = [
    `expect: ${v.expect}`,
    `comment: ${v.comment}`,
    `identity: ${lib.encodeSecretIdentity(v.identity)}`,
  ];
  if (v.sender !== undefined) lines.push(`sender: ${lib.encodePublicIdentity(v.sender)}`);
  const files = v.files.map((f) => ({
    path: f.path,
    size: f.data.length,
    sha256: sha256hex(f.data),
  }));
  lines.push(`files: ${JSON.stringify(files)}`);
  lines.push(`file: ${Buffer.from(v.file).toString('base64')}`);
  return `${lines.join('\n')}\n`;
}

async function main() {
  const lib = await import('../dist/index.js');
  const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'vectors');
  const vectors = await buildVectors(lib);
  await mkdir(outDir, { recursive: true });
  const keep = new Set(vectors.map((v) => `${v.name}${VECTOR_EXTENSION}`));
  for (const name of await readdir(outDir)) {
    if (name.endsWith(VECTOR_EXTENSION) && !keep.has(name)) await rm(join(outDir, name));
  }
  for (const v of vectors) await writeFile(join(outDir, `${v.name}${VECTOR_EXTENSION}`), v.text);
  console.log(`wrote ${vectors.length} vectors to ${outDir}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
