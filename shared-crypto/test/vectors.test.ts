/**
 * Runs every vector of test/vectors (SPEC.md §11) buffered, streaming in odd-sized pieces and
 * through the decrypt-to-disk API, and checks that the committed vectors are exactly what
 * scripts/generate-vectors.mjs produces.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as lib from '../src/index.js';
import {
  decryptBytes,
  decryptToPath,
  nobleChunkCipher,
  nodeChunkCipher,
  parsePublicIdentity,
  parseSecretIdentity,
  type ChunkCipher,
  type ErrorCode,
  type PublicIdentity,
  type SecretIdentity,
} from '../src/index.js';
import { inPieces, tempDir } from './helpers.js';
import {
  expectCode,
  expectTree,
  isErrorCode,
  sha256hex,
  type ExpectedFile,
} from './vector-support.js';

const VECTOR_DIR = fileURLToPath(new URL('./vectors/', import.meta.url));
const GENERATOR = fileURLToPath(new URL('../scripts/generate-vectors.mjs', import.meta.url));
const EXTENSION = '.txt';
/** Odd piece sizes, so every header field, chunk and tag boundary is split somewhere. */
const PIECES = [1, 3, 17, 1000, 333, 4099, 65537, 2];

interface Vector {
  name: string;
  expect: 'success' | ErrorCode;
  comment: string;
  identity: SecretIdentity;
  sender: PublicIdentity | null;
  files: ExpectedFile[];
  file: Uint8Array;
}

/** Parses a vector strictly: the keys of SPEC.md §11, in that order, each once. */
function parseVector(name: string, text: string): Vector {
  if (!text.endsWith('\n')) throw new Error(`${name}: no final newline`);
  const lines = text.slice(0, -1).split('\n');
  const fields = new Map<string, string>();
  const order: string[] = [];
  for (const line of lines) {
    const at = line.indexOf(': ');
    if (at < 0) throw new Error(`${name}: malformed line ${JSON.stringify(line.slice(0, 40))}`);
    const key = line.slice(0, at);
    if (fields.has(key)) throw new Error(`${name}: duplicate key ${key}`);
    fields.set(key, line.slice(at + 2));
    order.push(key);
  }
  const want = fields.has('sender')
    ? ['expect', 'comment', 'identity', 'sender', 'files', 'file']
    : ['expect', 'comment', 'identity', 'files', 'file'];
  expect(order, name).toEqual(want);
  const expectValue = fields.get('expect') ?? '';
  if (expectValue !== 'success' && !isErrorCode(expectValue))
    throw new Error(`${name}: bad expect ${expectValue}`);
  const files = JSON.parse(fields.get('files') ?? '') as ExpectedFile[];
  const sender = fields.get('sender');
  return {
    name,
    expect: expectValue,
    comment: fields.get('comment') ?? '',
    identity: parseSecretIdentity(fields.get('identity') ?? ''),
    sender: sender === undefined ? null : parsePublicIdentity(sender),
    files,
    file: new Uint8Array(Buffer.from(fields.get('file') ?? '', 'base64')),
  };
}

const names = readdirSync(VECTOR_DIR)
  .filter((n) => n.endsWith(EXTENSION))
  .sort();
const vectors = names.map((n) =>
  parseVector(n.slice(0, -EXTENSION.length), readFileSync(join(VECTOR_DIR, n), 'utf8')),
);

function summarize(files: { path: string; data: Uint8Array }[]): ExpectedFile[] {
  return files.map((f) => ({ path: f.path, size: f.data.length, sha256: sha256hex(f.data) }));
}

describe('the vector set', () => {
  it('covers every case SPEC.md §11 and issue 2 ask for', () => {
    const required = [
      'success-empty-file',
      'success-one-byte',
      'success-exactly-one-chunk',
      'success-one-chunk-plus-one',
      'success-many-chunks',
      'success-many-recipients',
      'success-many-files-and-folders',
      'success-padding-on',
      'success-padding-off',
      'success-unknown-size',
      'success-max-chunk-log2',
      'fail-not-recipient',
      'fail-wrong-sender',
      'fail-version',
      'fail-suite',
      'fail-magic',
      'fail-header-salt-flipped',
      'fail-chunk-tampered',
      'fail-truncated-chunk',
      'fail-trailing-byte',
      'fail-signature-record-tampered',
      'fail-chunks-swapped',
      'fail-manifest-path-traversal',
      'fail-manifest-size-mismatch',
      'fail-padding-nonzero',
      'fail-co-recipient-forgery',
    ];
    const have = new Set(vectors.map((v) => v.name));
    expect(required.filter((n) => !have.has(n))).toEqual([]);
    for (const v of vectors) {
      expect(v.name.startsWith(v.expect === 'success' ? 'success-' : 'fail-'), v.name).toBe(true);
      if (v.expect !== 'success') expect(v.files, v.name).toEqual([]);
    }
  });

  it(
    'is exactly what scripts/generate-vectors.mjs produces (no drift)',
    { timeout: 120_000 },
    async () => {
      const generator = (await import(pathToFileURL(GENERATOR).href)) as {
        buildVectors: (library: typeof lib) => Promise<{ name: string; text: string }[]>;
      };
      const built = await generator.buildVectors(lib);
      expect(built.map((v) => `${v.name}${EXTENSION}`).sort()).toEqual(names);
      const drifted = built
        .filter((v) => readFileSync(join(VECTOR_DIR, `${v.name}${EXTENSION}`), 'utf8') !== v.text)
        .map((v) => v.name);
      expect(drifted, 'run `npm run vectors -w shared-crypto` and review the diff').toEqual([]);
    },
  );

  it('has distinctive structure where the names promise it', () => {
    const byName = (n: string): Vector => {
      const v = vectors.find((x) => x.name === n);
      if (v === undefined) throw new Error(`missing ${n}`);
      return v;
    };
    expect(lib.parseHeader(byName('success-exactly-one-chunk').file).payloadSize).toBe(1024);
    expect(lib.parseHeader(byName('success-one-chunk-plus-one').file).payloadSize).toBe(1025);
    expect(lib.parseHeader(byName('success-unknown-size').file).payloadSize).toBe(
      lib.UNKNOWN_PAYLOAD_SIZE,
    );
    expect(lib.parseHeader(byName('success-max-chunk-log2').file).chunkLog2).toBe(24);
    expect(lib.parseHeader(byName('success-many-recipients').file).stanzas).toHaveLength(20);
  });
});

const ciphers: ChunkCipher[] = [nodeChunkCipher, nobleChunkCipher];

describe.each(vectors)('vector $name', (vector) => {
  const params = { identity: vector.identity, expectedSender: vector.sender };

  for (const cipher of ciphers) {
    it(`buffered (${cipher.name})`, async () => {
      if (vector.expect === 'success') {
        const out = await decryptBytes(vector.file, { ...params, cipher });
        expect(summarize(out.files)).toEqual(vector.files);
      } else {
        await expectCode(
          () => decryptBytes(vector.file, { ...params, cipher }),
          vector.expect,
          vector.name,
        );
      }
    });

    it(`streaming in odd pieces (${cipher.name})`, async () => {
      const input = (): AsyncIterable<Uint8Array> => inPieces(vector.file, PIECES);
      if (vector.expect === 'success') {
        const out = await decryptBytes(input(), { ...params, cipher });
        expect(summarize(out.files)).toEqual(vector.files);
      } else {
        await expectCode(
          () => decryptBytes(input(), { ...params, cipher }),
          vector.expect,
          vector.name,
        );
      }
    });
  }

  describe('decryptToPath', () => {
    let dir: { path: string; cleanup: () => Promise<void> };
    let input: string;
    beforeAll(async () => {
      dir = await tempDir();
      input = join(dir.path, 'input.dcrypt');
      await writeFile(input, vector.file);
    });
    afterAll(async () => {
      await dir.cleanup();
    });

    for (const parallelism of [0, 2]) {
      it(`to a folder (${parallelism === 0 ? 'inline node:crypto' : 'worker threads'})`, async () => {
        const out = join(dir.path, `out-${parallelism}`);
        await mkdir(out);
        const run = (): ReturnType<typeof decryptToPath> =>
          decryptToPath(input, { mode: 'directory', path: out }, params, { parallelism });
        if (vector.expect === 'success') {
          const result = await run();
          const dirs = result.manifest.entries.filter((e) => e.type === 'dir').map((e) => e.path);
          const mtimes = new Map<string, number>();
          for (const e of result.manifest.entries)
            if (e.mtime !== undefined) mtimes.set(e.path, e.mtime);
          await expectTree(out, vector.files, dirs, mtimes);
        } else {
          await expectCode(run, vector.expect, vector.name);
          // No plaintext, no staging folder, nothing at all is left behind.
          expect(await readdir(out)).toEqual([]);
        }
      });
    }
  });
});
