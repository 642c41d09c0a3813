import type { ChunkCipher } from '../backend/chunk-cipher.js';
import { DataCryptError } from '../errors.js';
import { runBatch } from './batch.js';
import { TAG_LENGTH, UNKNOWN_PAYLOAD_SIZE } from './constants.js';
import type { OpenedHeader } from './decrypt.js';

/** Where each chunk sits in the file, from the header alone (SPEC.md §6.3). */
export interface ChunkLayout {
  chunkCount: number;
  chunkSize: number;
  /** File offset of chunk `i`'s ciphertext. */
  offset(i: number): number;
  /** Ciphertext length of chunk `i` (plaintext + 16-byte tag). */
  sealedLength(i: number): number;
  /** File offset of the signature record. */
  signatureOffset: number;
  /** Total file length. */
  fileLength: number;
}

/**
 * Computes the chunk layout of a file with a known payload_size, so a client can fetch any range
 * of chunks (HTTP Range) and decrypt it on its own.
 * @example
 * const layout = chunkLayout(opened);
 * const range = `bytes=${layout.offset(10)}-${layout.offset(20) - 1}`;
 */
export function chunkLayout(opened: OpenedHeader): ChunkLayout {
  const { header, chunkSize } = opened;
  if (header.payloadSize === UNKNOWN_PAYLOAD_SIZE) {
    throw new DataCryptError('E_ARGUMENT', 'a file of unknown payload size has no random access');
  }
  const chunkCount = Math.ceil(header.payloadSize / chunkSize);
  const lastPlain = header.payloadSize - (chunkCount - 1) * chunkSize;
  const start = header.bytes.length;
  const offset = (i: number): number => start + i * (chunkSize + TAG_LENGTH);
  const signatureOffset = start + header.payloadSize + chunkCount * TAG_LENGTH;
  return {
    chunkCount,
    chunkSize,
    offset,
    sealedLength: (i) => (i === chunkCount - 1 ? lastPlain : chunkSize) + TAG_LENGTH,
    signatureOffset,
    fileLength: signatureOffset + 112,
  };
}

/**
 * Decrypts chunks `first .. first + n − 1` from their ciphertext alone (e.g. a resumed download),
 * returning the plaintext and each chunk's digest for the final signature check (SPEC.md §8).
 * @example
 * const { plaintext, digests } = decryptChunkRange(opened, 10, bytesOfChunks10to19, nodeChunkCipher);
 */
export function decryptChunkRange(
  opened: OpenedHeader,
  first: number,
  ciphertext: Uint8Array,
  cipher: ChunkCipher,
): { plaintext: Uint8Array; digests: Uint8Array } {
  const layout = chunkLayout(opened);
  const sealed = opened.chunkSize + TAG_LENGTH;
  const count = Math.ceil(ciphertext.length / sealed);
  const last = first + count - 1;
  const expected = (count - 1) * sealed + (count > 0 ? layout.sealedLength(last) : 0);
  if (first < 0 || count < 1 || last >= layout.chunkCount || ciphertext.length !== expected) {
    throw new DataCryptError('E_ARGUMENT', `not a whole run of chunks starting at ${first}`);
  }
  const result = runBatch(cipher, {
    op: 'open',
    key: opened.keys.payloadKey,
    firstIndex: first,
    chunkSize: opened.chunkSize,
    data: ciphertext,
    endsWithFinal: last === layout.chunkCount - 1,
  });
  if (result.failedAt >= 0) {
    throw new DataCryptError('E_CHUNK_AUTH', `chunk ${result.failedAt} failed authentication`);
  }
  return { plaintext: result.output, digests: result.digests };
}
