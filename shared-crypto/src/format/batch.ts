import type * as NodeCrypto from 'node:crypto';
import type { ChunkCipher } from '../backend/chunk-cipher.js';
import { TAG_LENGTH } from './constants.js';
import { writeChunkNonce } from './nonce.js';

/**
 * A run of consecutive chunks, sealed or opened together so that the cost of handing work to
 * another thread is paid once per batch rather than once per chunk.
 */
export interface BatchJob {
  op: 'seal' | 'open';
  key: Uint8Array;
  firstIndex: number;
  chunkSize: number;
  /**
   * seal: plaintext (whole chunks, the last may be short); open: sealed chunks back to back.
   * A worker pool transfers this buffer: the caller must not touch it, or any view of it, again.
   */
  data: Uint8Array;
  /** Whether the batch's last chunk is the file's final chunk (nonce last flag). */
  endsWithFinal: boolean;
  /** A spare buffer to write the output into, when large enough (recycled; transferred too). */
  spare?: Uint8Array;
}

/** Result of a batch. `failedAt` is the index of the first chunk that did not open, else -1. */
export interface BatchResult {
  output: Uint8Array;
  /** SHA-256 of each plaintext chunk, 32 bytes each (SPEC.md §8). */
  digests: Uint8Array;
  failedAt: number;
  /** For a failed final chunk: it opens with the last flag clear, i.e. the real end was cut off. */
  failedFinalOpensAsMiddle: boolean;
  /** The job's data buffer, handed back so the caller can reuse it (worker pools only). */
  input?: Uint8Array;
}

/** Runs batches somewhere: inline, or across worker threads. Results come back per job. */
export interface BatchExecutor {
  /** How many jobs the caller should keep in flight to keep every thread busy. */
  readonly concurrency: number;
  /** A buffer suited to this executor (worker pools share memory instead of moving it). */
  allocate(length: number): Uint8Array;
  run(job: BatchJob): Promise<BatchResult>;
  close(): Promise<void>;
}

/**
 * Runs every batch inline with the given cipher (the portable path; also the reference in tests).
 * @example
 * const executor = cipherExecutor(nobleChunkCipher);
 */
export function cipherExecutor(cipher: ChunkCipher): BatchExecutor {
  return {
    concurrency: 1,
    allocate: (length) => new Uint8Array(length),
    run: (job) => Promise.resolve({ ...runBatch(cipher, job), input: job.data }),
    close: () => Promise.resolve(),
  };
}

/**
 * Seals or opens a batch of chunks with any ChunkCipher (the portable path).
 * @example
 * const { output, digests } = runBatch(nobleChunkCipher, { op: 'seal', key, firstIndex: 0, chunkSize: 65536, data, endsWithFinal: true });
 */
export function runBatch(cipher: ChunkCipher, job: BatchJob): BatchResult {
  const { op, key, firstIndex, chunkSize, data, endsWithFinal } = job;
  const inStride = op === 'seal' ? chunkSize : chunkSize + TAG_LENGTH;
  const count = Math.max(1, Math.ceil(data.length / inStride));
  const outLength =
    op === 'seal' ? data.length + count * TAG_LENGTH : data.length - count * TAG_LENGTH;
  const output = new Uint8Array(Math.max(0, outLength));
  const digests = new Uint8Array(32 * count);
  const nonce = new Uint8Array(12);
  let outAt = 0;
  for (let i = 0; i < count; i++) {
    const piece = data.subarray(i * inStride, Math.min((i + 1) * inStride, data.length));
    const last = endsWithFinal && i === count - 1;
    writeChunkNonce(nonce, firstIndex + i, last);
    if (op === 'seal') {
      digests.set(cipher.sha256(piece), 32 * i);
      const sealed = cipher.seal(key, nonce, piece);
      output.set(sealed, outAt);
      outAt += sealed.length;
    } else {
      const opened = cipher.open(key, nonce, piece);
      if (opened === null) {
        let opensAsMiddle = false;
        if (last) {
          writeChunkNonce(nonce, firstIndex + i, false);
          opensAsMiddle = cipher.open(key, nonce, piece) !== null;
        }
        return {
          output: output.subarray(0, outAt),
          digests,
          failedAt: firstIndex + i,
          failedFinalOpensAsMiddle: opensAsMiddle,
        };
      }
      digests.set(cipher.sha256(opened), 32 * i);
      output.set(opened, outAt);
      outAt += opened.length;
    }
  }
  return { output, digests, failedAt: -1, failedFinalOpensAsMiddle: false };
}

/**
 * The node:crypto batch runner, written without closures or imports so that worker threads can
 * run its source text (see worker-pool.ts). It writes straight into one output buffer, which is
 * what makes the fast path fast; `runBatch` with nodeChunkCipher gives the same bytes.
 * @example
 * const result = runBatchNode(await import('node:crypto'), job);
 */
export function runBatchNode(crypto: typeof NodeCrypto, job: BatchJob): BatchResult {
  const tagLength = 16;
  const { op, key, firstIndex, chunkSize, data, endsWithFinal } = job;
  const inStride = op === 'seal' ? chunkSize : chunkSize + tagLength;
  const count = Math.max(1, Math.ceil(data.length / inStride));
  const outLength =
    op === 'seal' ? data.length + count * tagLength : data.length - count * tagLength;
  const spare = job.spare;
  const output =
    spare !== undefined && spare.byteLength >= outLength
      ? Buffer.from(spare.buffer, spare.byteOffset, Math.max(0, outLength))
      : Buffer.allocUnsafeSlow(Math.max(0, outLength));
  const digests = Buffer.allocUnsafeSlow(32 * count);
  const nonce = Buffer.alloc(12);
  const setNonce = (index: number, last: boolean): void => {
    nonce.fill(0);
    nonce.writeUInt32BE(Math.floor(index / 4294967296), 3);
    nonce.writeUInt32BE(index >>> 0, 7);
    nonce[11] = last ? 1 : 0;
  };
  const input = Buffer.from(data.buffer, data.byteOffset, data.length);
  let outAt = 0;
  for (let i = 0; i < count; i++) {
    const piece = input.subarray(i * inStride, Math.min((i + 1) * inStride, input.length));
    const last = endsWithFinal && i === count - 1;
    setNonce(firstIndex + i, last);
    if (op === 'seal') {
      crypto
        .createHash('sha256')
        .update(piece)
        .digest()
        .copy(digests, 32 * i);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, nonce);
      outAt += cipher.update(piece).copy(output, outAt);
      outAt += cipher.final().copy(output, outAt);
      outAt += cipher.getAuthTag().copy(output, outAt);
    } else {
      const body = piece.subarray(0, Math.max(0, piece.length - tagLength));
      const tag = piece.subarray(Math.max(0, piece.length - tagLength));
      const tryOpen = (isLast: boolean): Buffer | null => {
        if (piece.length < tagLength) return null;
        setNonce(firstIndex + i, isLast);
        const decipher = crypto.createDecipheriv('aes-256-gcm', key, nonce);
        decipher.setAuthTag(tag);
        const plain = decipher.update(body);
        try {
          decipher.final();
        } catch {
          return null;
        }
        return plain;
      };
      const plain = tryOpen(last);
      if (plain === null) {
        const opensAsMiddle = last && tryOpen(false) !== null;
        return {
          output: output.subarray(0, outAt),
          digests,
          failedAt: firstIndex + i,
          failedFinalOpensAsMiddle: opensAsMiddle,
        };
      }
      crypto
        .createHash('sha256')
        .update(plain)
        .digest()
        .copy(digests, 32 * i);
      outAt += plain.copy(output, outAt);
    }
  }
  return { output, digests, failedAt: -1, failedFinalOpensAsMiddle: false };
}
