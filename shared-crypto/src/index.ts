/**
 * DataCrypt file format v1 (see SPEC.md): identities, HPKE key wrapping, authenticated streaming
 * encryption with an encrypted manifest and a sender signature.
 */
export * from './errors.js';
export * from './random.js';
export { concatBytes, constantTimeEqual, toHex, fromHex } from './encoding/index.js';
export * from './identity/index.js';
export * from './hpke/index.js';
export type { ChunkCipher } from './backend/chunk-cipher.js';
export { nobleChunkCipher } from './backend/noble.js';
export { nodeChunkCipher } from './backend/node.js';
export {
  MAGIC,
  FORMAT_VERSION,
  SUITE,
  MIN_CHUNK_LOG2,
  MAX_CHUNK_LOG2,
  DEFAULT_CHUNK_LOG2,
  TAG_LENGTH,
  SIGNATURE_RECORD_LENGTH,
  UNKNOWN_PAYLOAD_SIZE,
  LABELS,
  headerLength,
} from './format/constants.js';
export { chunkNonce } from './format/nonce.js';
export {
  encodeHeader,
  parseHeader,
  headerLengthFromPrefix,
  verifyHeaderMac,
} from './format/header.js';
export type { HeaderFields, ParsedHeader, Stanza } from './format/header.js';
export { deriveFileKeys, type FileKeys } from './format/keys.js';
export * from './format/manifest.js';
export { ContentDigest, signedMessage } from './format/signature.js';
export { runBatch, runBatchNode, cipherExecutor } from './format/batch.js';
export type { BatchExecutor, BatchJob, BatchResult } from './format/batch.js';
export { encryptEntries } from './format/encrypt.js';
export type {
  ContentReader,
  EncryptParams,
  EncryptIo,
  EncryptResult,
  SourceEntry,
} from './format/encrypt.js';
export { decryptStream, openHeader } from './format/decrypt.js';
export type {
  DecryptParams,
  DecryptIo,
  DecryptResult,
  DecryptSink,
  OpenedHeader,
  ResumePrefix,
} from './format/decrypt.js';
export { PlaintextReader } from './format/plaintext-reader.js';
export { encryptBytes, decryptBytes } from './format/buffered.js';
export type { BufferedFile, DecryptedTransfer } from './format/buffered.js';
export {
  inlineExecutor,
  workerPool,
  defaultParallelism,
  youngGenerationCollector,
} from './node/worker-pool.js';
export { sourcesFromPaths, guessMime, fileReader } from './node/sources.js';
export {
  fileSystemSink,
  type OutputTarget,
  type FileSystemSinkOptions,
} from './node/output-sink.js';
export {
  encryptToFile,
  encryptPaths,
  encryptStreamTo,
  decryptToPath,
  writeTo,
} from './node/files.js';
export type { NodeRunOptions } from './node/files.js';
export { chunkLayout, decryptChunkRange, type ChunkLayout } from './format/random-access.js';
export { pathExists } from './node/path-exists.js';
