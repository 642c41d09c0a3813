import type { ChunkCipher } from '../backend/chunk-cipher.js';
import { nobleChunkCipher } from '../backend/noble.js';
import { concatBytes } from '../encoding/bytes.js';
import type { PublicIdentity } from '../identity/index.js';
import { cipherExecutor } from './batch.js';
import { decryptStream, type DecryptParams } from './decrypt.js';
import { encryptEntries, type EncryptParams, type SourceEntry } from './encrypt.js';
import type { Manifest } from './manifest.js';

/** An in-memory file for the buffered API. */
export interface BufferedFile {
  path: string;
  data: Uint8Array;
  mime?: string;
  mtime?: number;
}

/** What a buffered decryption returns once everything verified. */
export interface DecryptedTransfer {
  manifest: Manifest;
  sender: PublicIdentity;
  files: { path: string; data: Uint8Array }[];
  dirs: string[];
}

async function* once(data: Uint8Array): AsyncIterable<Uint8Array> {
  await Promise.resolve();
  yield data;
}

/**
 * Encrypts in-memory files to one in-memory DataCrypt file. For large data use the streaming
 * file API (`encryptPaths`); this one holds everything in memory.
 * @example
 * const file = await encryptBytes([{ path: 'hi.txt', data: utf8('hi') }], { sender: alice, recipients: [bob.publicIdentity] });
 */
export async function encryptBytes(
  files: readonly BufferedFile[],
  params: EncryptParams & { dirs?: readonly string[]; cipher?: ChunkCipher },
): Promise<Uint8Array> {
  const entries: SourceEntry[] = [
    ...(params.dirs ?? []).map((path): SourceEntry => ({ type: 'dir', path })),
    ...files.map((f): SourceEntry => {
      const entry: SourceEntry = {
        type: 'file',
        path: f.path,
        size: f.data.length,
        read: () => once(f.data),
      };
      if (f.mime !== undefined) entry.mime = f.mime;
      if (f.mtime !== undefined) entry.mtime = f.mtime;
      return entry;
    }),
  ];
  const parts: Uint8Array[] = [];
  await encryptEntries(entries, params, {
    executor: cipherExecutor(params.cipher ?? nobleChunkCipher),
    write: (bytes) => {
      parts.push(bytes.slice());
      return Promise.resolve();
    },
  });
  return concatBytes(...parts);
}

/**
 * Decrypts a whole DataCrypt file held in memory. Nothing is returned unless every check passed.
 * `pieces` lets tests feed the same file in arbitrary fragments (the streaming path).
 * @example
 * const { files, sender } = await decryptBytes(file, { identity: bob, expectedSender: alice.publicIdentity });
 */
export async function decryptBytes(
  input: Uint8Array | AsyncIterable<Uint8Array>,
  params: DecryptParams & { cipher?: ChunkCipher },
): Promise<DecryptedTransfer> {
  const files = new Map<number, { path: string; parts: Uint8Array[] }>();
  let dirs: string[] = [];
  const source = input instanceof Uint8Array ? once(input) : input;
  const result = await decryptStream(source, params, {
    executor: cipherExecutor(params.cipher ?? nobleChunkCipher),
    sink: {
      begin: (manifest) => {
        manifest.entries.forEach((e, i) => {
          if (e.type === 'file') files.set(i, { path: e.path, parts: [] });
        });
        dirs = manifest.entries.filter((e) => e.type === 'dir').map((e) => e.path);
        return Promise.resolve();
      },
      write: (_entry, index, bytes) => {
        files.get(index)?.parts.push(bytes.slice());
        return Promise.resolve();
      },
      commit: () => Promise.resolve(),
      abort: () => {
        files.clear();
        return Promise.resolve();
      },
    },
  });
  return {
    manifest: result.manifest,
    sender: result.sender,
    files: [...files.values()].map((f) => ({ path: f.path, data: concatBytes(...f.parts) })),
    dirs,
  };
}
