import { afterAll, describe, expect, it } from 'vitest';
import {
  chunkLayout,
  cipherExecutor,
  decryptChunkRange,
  decryptStream,
  encryptBytes,
  encryptEntries,
  headerLengthFromPrefix,
  inlineExecutor,
  nobleChunkCipher,
  nodeChunkCipher,
  openHeader,
  seededRandom,
  workerPool,
  type BatchExecutor,
  type DecryptSink,
  type ResumePrefix,
} from '../src/index.js';
import { digestOf, inPieces, testBytes, testIdentity } from './helpers.js';
import { expectCode } from './vector-support.js';

/*
 * Resuming a decryption from plaintext kept by an earlier run (SPEC.md §9, last paragraph): the
 * input is the header plus the ciphertext from chunk k on, the first k chunks come back as
 * plaintext. Whatever the split, the result is the full decryption's; a prefix that differs in
 * one byte fails the signature; a prefix of the wrong length or chunk count is refused up front.
 */

const alice = testIdentity('alice');
const bob = testIdentity('bob');
const mallory = testIdentity('mallory');
const pool = workerPool(2);
afterAll(() => pool.close());

const files = [
  { path: 'docs/a.bin', data: testBytes(5000, 'resume-a') },
  { path: 'docs/b.bin', data: testBytes(20_000, 'resume-b') },
  { path: 'empty.txt', data: new Uint8Array(0) },
  { path: 'z.bin', data: testBytes(3333, 'resume-z') },
];
const file = await encryptBytes(files, {
  sender: alice,
  recipients: [bob.publicIdentity],
  dirs: ['docs', 'folder'],
  chunkLog2: 10,
  created: 0,
  random: seededRandom('resume-prefix'),
  cipher: nodeChunkCipher,
});
const headerLength = headerLengthFromPrefix(file, true) ?? 0;
const header = file.subarray(0, headerLength);
const opened = openHeader(header, bob);
const layout = chunkLayout(opened);
/** The whole payload plaintext P (what an earlier run would have decrypted). */
const plaintext = decryptChunkRange(
  opened,
  0,
  file.subarray(layout.offset(0), layout.signatureOffset),
  nodeChunkCipher,
).plaintext;

interface Collected {
  sink: DecryptSink;
  files: Map<string, Uint8Array[]>;
  manifestBytes: Uint8Array | null;
  committed: boolean;
  aborted: boolean;
}

function collector(): Collected {
  const state: Collected = {
    files: new Map(),
    manifestBytes: null,
    committed: false,
    aborted: false,
    sink: {
      begin: (manifest, _sender, manifestBytes) => {
        state.manifestBytes = manifestBytes.slice();
        for (const e of manifest.entries) if (e.type === 'file') state.files.set(e.path, []);
        return Promise.resolve();
      },
      write: (entry, _index, bytes) => {
        state.files.get(entry.path)?.push(bytes.slice());
        return Promise.resolve();
      },
      commit: () => {
        state.committed = true;
        return Promise.resolve();
      },
      abort: () => {
        state.aborted = true;
        return Promise.resolve();
      },
    },
  };
  return state;
}

async function* concatInputs(...parts: Uint8Array[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield* inPieces(part);
}

async function resume(
  chunks: number,
  prefixBytes: Uint8Array,
  options: {
    executor?: BatchExecutor;
    from?: number;
    expectedSender?: typeof alice;
    out?: Collected;
  } = {},
): Promise<Collected> {
  const out = options.out ?? collector();
  const prefix: ResumePrefix = { chunks, plaintext: inPieces(prefixBytes, [1, 500, 4096]) };
  await decryptStream(
    concatInputs(header, file.subarray(layout.offset(options.from ?? chunks))),
    { identity: bob, expectedSender: (options.expectedSender ?? alice).publicIdentity },
    { executor: options.executor ?? cipherExecutor(nobleChunkCipher), sink: out.sink, prefix },
  );
  return out;
}

const prefixOf = (chunks: number) => plaintext.subarray(0, chunks * layout.chunkSize);

describe('resuming a decryption from kept plaintext', () => {
  it('gives the full decryption for every split point, on every executor', async () => {
    expect(layout.chunkCount).toBeGreaterThan(25);
    const executors: [string, BatchExecutor][] = [
      ['noble', cipherExecutor(nobleChunkCipher)],
      ['node inline', inlineExecutor()],
      ['worker pool', pool],
    ];
    // 1: the prefix ends inside the manifest; 5: inside docs/a.bin; the last: only the final chunk
    // comes from the input.
    for (const chunks of [1, 5, 6, 13, layout.chunkCount - 1]) {
      for (const [name, executor] of executors) {
        const out = await resume(chunks, prefixOf(chunks), { executor });
        expect(out.committed, `${name} at ${String(chunks)}`).toBe(true);
        for (const f of files) {
          const got = Buffer.concat(out.files.get(f.path) ?? []);
          expect(digestOf(got), `${f.path} via ${name} at ${String(chunks)}`).toBe(
            digestOf(f.data),
          );
        }
      }
    }
  });

  it('hands the sink the exact manifest bytes, which a resume replays', async () => {
    const out = await resume(3, prefixOf(3));
    const length = new DataView(plaintext.buffer, plaintext.byteOffset).getUint32(0);
    expect(out.manifestBytes).toEqual(plaintext.subarray(4, 4 + length));
  });

  it('fails the signature when one byte of the prefix differs, and releases nothing', async () => {
    for (const at of [10, 3000, 4 * layout.chunkSize + 7]) {
      const changed = prefixOf(6).slice();
      changed[at] = (changed[at] ?? 0) ^ 0x01;
      const out = collector();
      await expectCode(
        () =>
          decryptStream(
            concatInputs(header, file.subarray(layout.offset(6))),
            { identity: bob, expectedSender: alice.publicIdentity },
            {
              executor: inlineExecutor(),
              sink: out.sink,
              prefix: { chunks: 6, plaintext: inPieces(changed) },
            },
          ),
        // A flipped byte inside the manifest's JSON may break the manifest itself first.
        at === 10 ? 'E_MANIFEST' : 'E_SIGNATURE',
      );
      expect([out.committed, out.aborted]).toEqual([false, true]);
    }
  });

  it('refuses a prefix of the wrong length or chunk count with E_ARGUMENT', async () => {
    await expectCode(
      () => resume(6, prefixOf(6).subarray(0, 6 * layout.chunkSize - 1)),
      'E_ARGUMENT',
    );
    await expectCode(() => resume(6, prefixOf(7)), 'E_ARGUMENT');
    await expectCode(() => resume(0, new Uint8Array(0)), 'E_ARGUMENT');
    await expectCode(
      () => resume(layout.chunkCount, plaintext, { from: layout.chunkCount - 1 }),
      'E_ARGUMENT',
    );
    await expectCode(() => resume(1.5, prefixOf(1)), 'E_ARGUMENT');
  });

  it('fails when the input does not continue where the prefix ends', async () => {
    // One chunk short: the input ends early; one chunk too many: bytes follow the record.
    await expectCode(() => resume(6, prefixOf(6), { from: 7 }), 'E_TRUNCATED');
    await expectCode(() => resume(6, prefixOf(6), { from: 5 }), 'E_FORMAT');
    // The right length, but chunk 5 where chunk 6 belongs: it does not open under chunk 6's nonce.
    const spliced = Buffer.concat([
      header,
      file.subarray(layout.offset(5), layout.offset(6)),
      file.subarray(layout.offset(7)),
    ]);
    const out = collector();
    await expectCode(
      () =>
        decryptStream(
          inPieces(spliced),
          { identity: bob },
          {
            executor: inlineExecutor(),
            sink: out.sink,
            prefix: { chunks: 6, plaintext: inPieces(prefixOf(6)) },
          },
        ),
      'E_CHUNK_AUTH',
    );
    expect([out.committed, out.aborted]).toEqual([false, true]);
  });

  it('checks the expected sender from the manifest in the prefix before writing anything', async () => {
    const out = collector();
    await expectCode(() => resume(3, prefixOf(3), { expectedSender: mallory, out }), 'E_SIGNATURE');
    expect([out.files.size, out.manifestBytes, out.aborted]).toEqual([0, null, true]);
  });

  it('refuses to resume a file of unknown payload size', async () => {
    const parts: Uint8Array[] = [];
    await encryptEntries(
      [{ type: 'file', path: 'stream', size: null, read: () => inPieces(testBytes(5000)) }],
      {
        sender: alice,
        recipients: [bob.publicIdentity],
        chunkLog2: 10,
        created: 0,
        random: seededRandom('resume-unknown'),
      },
      {
        executor: cipherExecutor(nodeChunkCipher),
        write: (bytes) => {
          parts.push(bytes.slice());
          return Promise.resolve();
        },
      },
    );
    const streamed = Buffer.concat(parts);
    const out = collector();
    await expectCode(
      () =>
        decryptStream(
          inPieces(streamed),
          { identity: bob },
          {
            executor: inlineExecutor(),
            sink: out.sink,
            prefix: { chunks: 1, plaintext: inPieces(new Uint8Array(1024)) },
          },
        ),
      'E_ARGUMENT',
    );
    expect(out.aborted).toBe(true);
  });
});
