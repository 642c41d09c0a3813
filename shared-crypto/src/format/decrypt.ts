import { DataCryptError } from '../errors.js';
import {
  parsePublicIdentity,
  publicIdentitiesEqual,
  type PublicIdentity,
  type SecretIdentity,
} from '../identity/index.js';
import type { BatchExecutor, BatchJob, BatchResult } from './batch.js';
import { ByteReader } from './byte-reader.js';
import type { ContentReader } from './encrypt.js';
import {
  FIXED_HEADER_LENGTH,
  SIGNATURE_RECORD_LENGTH,
  TAG_LENGTH,
  UNKNOWN_PAYLOAD_SIZE,
} from './constants.js';
import {
  headerLengthFromPrefix,
  parseHeader,
  verifyHeaderMac,
  type ParsedHeader,
} from './header.js';
import { deriveFileKeys, type FileKeys } from './keys.js';
import type { FileEntry, Manifest } from './manifest.js';
import { PlaintextReader } from './plaintext-reader.js';
import { ContentDigest, verifySignatureRecord } from './signature.js';
import { unwrapFileKey } from './stanza.js';

/** Who decrypts, and whom they expect the file from. */
export interface DecryptParams {
  identity: SecretIdentity;
  /** The sender's pinned identity; when given, a file from anyone else fails with E_SIGNATURE. */
  expectedSender?: PublicIdentity | null;
}

/** Receives the decrypted transfer. Nothing it holds is final until `commit` (SPEC.md §9). */
export interface DecryptSink {
  /**
   * Called once the manifest and sender are known, before any content. `manifestBytes` is the
   * manifest exactly as it is in the payload (what a resumed decryption replays, see
   * `ResumePrefix`).
   */
  begin(manifest: Manifest, sender: PublicIdentity, manifestBytes: Uint8Array): Promise<void>;
  /**
   * Content of the `index`-th entry, in order. `replayed` marks bytes of a `ResumePrefix`: plaintext
   * the caller kept from an earlier run (a sink that kept them in place need not write them).
   */
  write(entry: FileEntry, index: number, bytes: Uint8Array, replayed: boolean): Promise<void>;
  /** Called only after the signature verified: make the output visible. */
  commit(): Promise<void>;
  /** Called on any failure: remove every trace of the output. */
  abort(): Promise<void>;
}

export interface DecryptIo {
  executor: BatchExecutor;
  sink: DecryptSink;
  onProgress?: (ciphertextBytes: number) => void;
  /** Resume from plaintext decrypted earlier instead of the first chunks' ciphertext. */
  prefix?: ResumePrefix;
}

/**
 * The plaintext of the first `chunks` chunks, kept from an earlier, interrupted decryption of the
 * same file (SPEC.md §9, last paragraph). With a prefix the input holds the header followed
 * directly by the ciphertext of chunk `chunks` (file offset `chunkLayout(opened).offset(chunks)`)
 * to the end of the file.
 *
 * The prefix is not authenticated chunk by chunk: its chunk digests go into `D` and it is parsed
 * (manifest, content) exactly like decrypted plaintext, so step 14 fails with `E_SIGNATURE` if a
 * single byte of it differs from what the sender signed. A caller whose prefix fails that way may
 * start over from the whole file.
 * @example
 * const prefix = { chunks: 32, plaintext: stagedPlaintext() };
 * await decryptStream(headerThenRest, params, { executor, sink, prefix });
 */
export interface ResumePrefix {
  /** How many whole chunks the prefix covers: 1 ≤ chunks < the file's chunk count. */
  chunks: number;
  /** Exactly `chunks × 2^chunk_log2` bytes of payload plaintext P, from its start. */
  plaintext: AsyncIterable<Uint8Array>;
}

export interface DecryptResult {
  manifest: Manifest;
  sender: PublicIdentity;
  /** Ciphertext bytes read. */
  size: number;
}

/** The result of opening a header: what a ranged or resumed download needs (SPEC.md §6.3). */
export interface OpenedHeader {
  header: ParsedHeader;
  keys: FileKeys;
  chunkSize: number;
}

const BATCH_CHUNKS_BYTES = 1024 * 1024;

/** Keeps a buffer (its whole backing store) for reuse; a few spares cover every batch in flight. */
function recycle(spares: Uint8Array[], view: Uint8Array): void {
  if (spares.length < 8)
    spares.push(
      new Uint8Array(view.buffer, view.byteOffset, view.buffer.byteLength - view.byteOffset),
    );
}

/**
 * Parses a complete header, finds this identity's stanza and checks the MAC (SPEC.md §9 steps 1–8).
 * @example
 * const { header, keys } = openHeader(headerBytes, me);
 */
export function openHeader(bytes: Uint8Array, identity: SecretIdentity): OpenedHeader {
  const header = parseHeader(bytes);
  const fileKey = unwrapFileKey(header.stanzas, identity);
  const keys = deriveFileKeys(fileKey, header.payloadSalt);
  verifyHeaderMac(header, keys.headerMacKey);
  return { header, keys, chunkSize: 2 ** header.chunkLog2 };
}

/**
 * Decrypts a DataCrypt stream into a sink, verifying everything before `commit` (SPEC.md §9).
 * On any failure the sink is aborted and a DataCryptError is thrown.
 * @example
 * await decryptStream(fs.createReadStream(path), { identity: me, expectedSender: alice },
 *   { executor: workerPool(), sink: directorySink(outDir) });
 */
export async function decryptStream(
  input: AsyncIterable<Uint8Array> | ContentReader,
  params: DecryptParams,
  io: DecryptIo,
): Promise<DecryptResult> {
  const reader = new ByteReader(input);
  try {
    const result = await decryptFrom(reader, params, io);
    await reader.cancel();
    await io.sink.commit();
    return result;
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    await io.sink.abort().catch(() => undefined);
    if (error instanceof DataCryptError) throw error;
    throw new DataCryptError('E_IO', error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
}

async function readHeader(reader: ByteReader): Promise<Uint8Array> {
  // peek returns fewer bytes only at the end of input, so the prefix is all there will ever be.
  const prefix = await reader.peek(FIXED_HEADER_LENGTH);
  const length = headerLengthFromPrefix(prefix, true) ?? FIXED_HEADER_LENGTH;
  const bytes = await reader.read(length);
  if (bytes.length < length)
    throw new DataCryptError('E_TRUNCATED', 'the file ends inside the header');
  return bytes;
}

async function decryptFrom(
  reader: ByteReader,
  params: DecryptParams,
  io: DecryptIo,
): Promise<DecryptResult> {
  const headerBytes = await readHeader(reader);
  const { header, keys, chunkSize } = openHeader(headerBytes, params.identity);
  const digest = new ContentDigest();
  const found: { sender: PublicIdentity | null } = { sender: null };
  // Set while a ResumePrefix is pushed through (an object: TypeScript does not track closure writes).
  const replay = { active: false };
  const plaintext = new PlaintextReader(header.payloadSize, {
    manifest: async (manifest, manifestBytes) => {
      let sender: PublicIdentity;
      try {
        sender = parsePublicIdentity(manifest.sender);
      } catch (cause) {
        throw new DataCryptError('E_MANIFEST', 'the sender identity in the manifest is invalid', {
          cause,
        });
      }
      found.sender = sender;
      const expected = params.expectedSender;
      if (expected && !publicIdentitiesEqual(expected, sender)) {
        throw new DataCryptError('E_SIGNATURE', 'the file was not sent by the expected sender');
      }
      await io.sink.begin(manifest, sender, manifestBytes);
    },
    content: (entry, index, bytes) => io.sink.write(entry, index, bytes, replay.active),
  });

  const inFlight: Promise<BatchResult>[] = [];
  const spareInputs: Uint8Array[] = [];
  const spareOutputs: Uint8Array[] = [];
  const drainOne = async (): Promise<void> => {
    const head = inFlight.shift();
    if (head === undefined) return;
    const result = await head;
    if (result.failedAt >= 0) {
      // Only an unknown payload_size lets a cut at a chunk boundary look like a complete file
      // (SPEC.md §9 step 10); with a known size the chunk count is fixed and this is forgery.
      if (result.failedFinalOpensAsMiddle && header.payloadSize === UNKNOWN_PAYLOAD_SIZE) {
        throw new DataCryptError('E_TRUNCATED', 'the file was cut off after a complete chunk');
      }
      throw new DataCryptError('E_CHUNK_AUTH', `chunk ${result.failedAt} failed authentication`);
    }
    digest.add(result.digests);
    await plaintext.push(result.output);
    // Once pushed, the handler is done with the bytes: both buffers go back for the next batches.
    recycle(spareOutputs, result.output);
    if (result.input) recycle(spareInputs, result.input);
    io.onProgress?.(reader.position);
  };
  const dispatch = async (job: BatchJob): Promise<void> => {
    const promise = io.executor.run(job);
    promise.catch(() => undefined);
    inFlight.push(promise);
    while (inFlight.length >= io.executor.concurrency) await drainOne();
  };
  const job = (firstIndex: number, data: Uint8Array, endsWithFinal: boolean): BatchJob => {
    const spare = spareOutputs.pop() ?? io.executor.allocate(BATCH_CHUNKS_BYTES + chunkSize);
    return {
      op: 'open',
      key: keys.payloadKey,
      firstIndex,
      chunkSize,
      data,
      endsWithFinal,
      spare,
    };
  };

  const sealedChunk = chunkSize + TAG_LENGTH;
  let record: Uint8Array;
  if (io.prefix !== undefined && header.payloadSize === UNKNOWN_PAYLOAD_SIZE) {
    throw new DataCryptError('E_ARGUMENT', 'a file of unknown payload size cannot be resumed');
  }
  if (header.payloadSize !== UNKNOWN_PAYLOAD_SIZE) {
    const chunkCount = Math.ceil(header.payloadSize / chunkSize);
    const lastPlain = header.payloadSize - (chunkCount - 1) * chunkSize;
    const perBatch = Math.max(1, Math.floor(BATCH_CHUNKS_BYTES / chunkSize));
    let resumeAt = 0;
    if (io.prefix !== undefined) {
      replay.active = true;
      resumeAt = await replayPrefix(io.prefix, chunkCount, chunkSize, perBatch, keys, {
        executor: io.executor,
        digest,
        plaintext,
      });
      replay.active = false;
    }
    for (let first = resumeAt; first < chunkCount; first += perBatch) {
      const count = Math.min(perBatch, chunkCount - first);
      const endsWithFinal = first + count === chunkCount;
      const length =
        (count - 1) * sealedChunk + (endsWithFinal ? lastPlain + TAG_LENGTH : sealedChunk);
      const buffer = spareInputs.pop() ?? io.executor.allocate(perBatch * sealedChunk);
      const data = buffer.subarray(0, length);
      if ((await reader.readInto(data)) < length)
        throw new DataCryptError('E_TRUNCATED', 'the file ends inside the payload');
      if (endsWithFinal) {
        // SPEC.md §9 step 9 before step 10: the length of the rest of the file is checked before the
        // final batch is opened, so a dropped or an extra chunk is reported as such.
        const rest = await reader.fill(SIGNATURE_RECORD_LENGTH + 1);
        if (rest < SIGNATURE_RECORD_LENGTH) {
          throw new DataCryptError('E_TRUNCATED', 'the file ends before the signature record');
        }
        if (rest > SIGNATURE_RECORD_LENGTH) {
          throw new DataCryptError('E_FORMAT', 'data follows the signature record');
        }
      }
      await dispatch(job(first, data, endsWithFinal));
    }
    while (inFlight.length > 0) await drainOne();
    record = await reader.read(SIGNATURE_RECORD_LENGTH);
    if (record.length < SIGNATURE_RECORD_LENGTH) {
      throw new DataCryptError('E_TRUNCATED', 'the file ends before the signature record');
    }
    if (!(await reader.atEnd()))
      throw new DataCryptError('E_FORMAT', 'data follows the signature record');
  } else {
    // Unknown length: a chunk is known not to be the last only once more than a chunk and the
    // signature record follow it.
    let index = 0;
    while (
      (await reader.fill(sealedChunk + SIGNATURE_RECORD_LENGTH + 1)) >
      sealedChunk + SIGNATURE_RECORD_LENGTH
    ) {
      await dispatch(job(index++, await reader.readCopy(sealedChunk), false));
    }
    const rest = await reader.readCopy(sealedChunk + SIGNATURE_RECORD_LENGTH);
    if (rest.length < TAG_LENGTH + 1 + SIGNATURE_RECORD_LENGTH) {
      throw new DataCryptError('E_TRUNCATED', 'the file ends before its final chunk');
    }
    const finalLength = rest.length - SIGNATURE_RECORD_LENGTH;
    // Copy the record out first: the chunk's buffer is handed to the executor.
    record = rest.slice(finalLength);
    await dispatch(job(index, rest.subarray(0, finalLength), true));
    while (inFlight.length > 0) await drainOne();
  }
  plaintext.finish();
  const manifest = plaintext.manifest;
  const sender = found.sender;
  if (manifest === null || sender === null)
    throw new DataCryptError('E_MANIFEST', 'the payload has no manifest');
  verifySignatureRecord(sender, keys.signatureKey, record, header.bytes, digest.finish());
  return { manifest, sender, size: reader.position };
}

/**
 * Feeds a resume prefix through the same path as decrypted chunks: each chunk's digest into `D`
 * (computed by the executor's seal, which hashes the plaintext; its ciphertext is not needed) and
 * the bytes into the plaintext reader. Returns the index of the first chunk the input holds.
 */
async function replayPrefix(
  prefix: ResumePrefix,
  chunkCount: number,
  chunkSize: number,
  perBatch: number,
  keys: FileKeys,
  to: { executor: BatchExecutor; digest: ContentDigest; plaintext: PlaintextReader },
): Promise<number> {
  const { chunks } = prefix;
  if (!Number.isSafeInteger(chunks) || chunks < 1 || chunks >= chunkCount) {
    throw new DataCryptError(
      'E_ARGUMENT',
      `a resume prefix covers 1 to ${String(chunkCount - 1)} chunks, not ${String(chunks)}`,
    );
  }
  const total = chunks * chunkSize;
  const source = new ByteReader(prefix.plaintext);
  try {
    for (let first = 0; first < chunks; first += perBatch) {
      const length = Math.min(perBatch, chunks - first) * chunkSize;
      const data = await source.readCopy(length);
      if (data.length < length) {
        throw new DataCryptError(
          'E_ARGUMENT',
          `the resume prefix ends after ${String(first * chunkSize + data.length)} of ${String(total)} bytes`,
        );
      }
      const result = await to.executor.run({
        op: 'seal',
        key: keys.payloadKey,
        firstIndex: first,
        chunkSize,
        data,
        endsWithFinal: false,
      });
      to.digest.add(result.digests);
      await to.plaintext.push(result.input ?? data);
    }
    if (!(await source.atEnd())) {
      throw new DataCryptError(
        'E_ARGUMENT',
        `the resume prefix is longer than ${String(total)} bytes`,
      );
    }
  } finally {
    await source.cancel().catch(() => undefined);
  }
  return chunks;
}
