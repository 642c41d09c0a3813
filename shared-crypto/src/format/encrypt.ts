import { DataCryptError } from '../errors.js';
import {
  encodePublicIdentity,
  publicIdentitiesEqual,
  type PublicIdentity,
  type SecretIdentity,
} from '../identity/index.js';
import { systemRandom, type RandomSource } from '../random.js';
import type { BatchExecutor, BatchResult } from './batch.js';
import {
  DEFAULT_CHUNK_LOG2,
  FILE_KEY_LENGTH,
  PAYLOAD_SALT_LENGTH,
  UNKNOWN_PAYLOAD_SIZE,
} from './constants.js';
import { encodeHeader } from './header.js';
import { deriveFileKeys } from './keys.js';
import {
  contentLength,
  encodeManifest,
  padmeLength,
  type Manifest,
  type ManifestEntry,
} from './manifest.js';
import { ContentDigest, sealSignatureRecord } from './signature.js';
import { wrapFileKey } from './stanza.js';

/** Who sends to whom, and how (SPEC.md §5–§8). */
export interface EncryptParams {
  sender: SecretIdentity;
  recipients: readonly PublicIdentity[];
  /** Chunk size as a power of two, 10..24 (default 16 = 64 KiB). */
  chunkLog2?: number;
  /** Pad the payload with Padmé to hide the exact size (default false). */
  pad?: boolean;
  /** Milliseconds since the epoch recorded in the manifest (default: now). */
  created?: number;
  /** Randomness for keys, salts, HPKE and stanza order (default: the CSPRNG). */
  random?: RandomSource;
}

/** What goes into a transfer: folders, and files with a way to read their bytes. */
export type SourceEntry =
  | { type: 'dir'; path: string; mtime?: number }
  | {
      type: 'file';
      path: string;
      /** Exact size, or null for one stream of unknown length. */
      size: number | null;
      mime?: string;
      mtime?: number;
      read: () => AsyncIterable<Uint8Array> | ContentReader;
    };

/** A source that reads straight into the encryptor's buffers (no intermediate copy). */
export interface ContentReader {
  /** Fills the start of `target`; returns the bytes read, 0 at the end. */
  readInto(target: Uint8Array): Promise<number>;
  close(): Promise<void>;
}

function isContentReader(
  source: AsyncIterable<Uint8Array> | ContentReader,
): source is ContentReader {
  return 'readInto' in source;
}

/** Where ciphertext goes and what does the bulk work. */
export interface EncryptIo {
  executor: BatchExecutor;
  /** Must be done with `bytes` when the promise settles: the buffer is reused. */
  write: (bytes: Uint8Array) => Promise<void>;
  onProgress?: (plaintextBytes: number) => void;
}

export interface EncryptResult {
  manifest: Manifest;
  /** Total bytes written (header + payload + signature record). */
  size: number;
}

/** Plaintext per batch handed to the executor: large enough to amortise a thread hop. */
const BATCH_BYTES = 1024 * 1024;

/**
 * Encrypts entries to a ciphertext sink, streaming: memory stays at a few batches whatever the size.
 * @example
 * await encryptEntries(entries, { sender: alice, recipients: [bob.publicIdentity] },
 *   { executor: cipherExecutor(nodeChunkCipher), write: (b) => out.write(b) });
 */
export async function encryptEntries(
  entries: readonly SourceEntry[],
  params: EncryptParams,
  io: EncryptIo,
): Promise<EncryptResult> {
  const random = params.random ?? systemRandom;
  const chunkLog2 = params.chunkLog2 ?? DEFAULT_CHUNK_LOG2;
  const chunkSize = 2 ** chunkLog2;
  const recipients = uniqueRecipients(params.recipients);
  if (recipients.length === 0)
    throw new DataCryptError('E_ARGUMENT', 'at least one recipient is required');

  const fileKey = random(FILE_KEY_LENGTH);
  const payloadSalt = random(PAYLOAD_SALT_LENGTH);
  const keys = deriveFileKeys(fileKey, payloadSalt);
  const stanzas = shuffle(
    recipients.map((r) => wrapFileKey(fileKey, r, random)),
    random,
  );

  const manifestEntries: ManifestEntry[] = entries.map((e) => {
    if (e.type === 'dir')
      return e.mtime === undefined
        ? { type: 'dir', path: e.path }
        : { type: 'dir', path: e.path, mtime: e.mtime };
    const entry: ManifestEntry = { type: 'file', path: e.path, size: e.size };
    if (e.mime !== undefined) entry.mime = e.mime;
    if (e.mtime !== undefined) entry.mtime = e.mtime;
    return entry;
  });
  const { manifest, manifestBytes, payloadSize } = buildManifest(
    encodePublicIdentity(params.sender.publicIdentity),
    params.created ?? Date.now(),
    manifestEntries,
    params.pad === true,
  );

  const header = encodeHeader({ chunkLog2, payloadSize, payloadSalt, stanzas }, keys.headerMacKey);
  await io.write(header);
  let written = header.length;

  const digest = new ContentDigest();
  const inFlight: Promise<BatchResult>[] = [];
  let nextIndex = 0;
  let produced = 0;
  const spareInputs: Uint8Array[] = [];
  const spareOutputs: Uint8Array[] = [];
  const newBatch = (): Uint8Array => {
    const spare = spareInputs.pop();
    return spare !== undefined && spare.length === batchBytes(chunkSize)
      ? spare
      : io.executor.allocate(batchBytes(chunkSize));
  };
  let batch = newBatch();
  let filled = 0;
  // Set inside the closures below, hence an object (TypeScript does not track closure writes).
  const held: { batch: Uint8Array | null } = { batch: null };

  const drainOne = async (): Promise<void> => {
    const head = inFlight.shift();
    if (head === undefined) return;
    const result = await head;
    digest.add(result.digests);
    await io.write(result.output);
    written += result.output.length;
    // Written: both buffers go back for the next batches, so memory stays flat.
    if (spareOutputs.length < 8) spareOutputs.push(wholeBuffer(result.output));
    if (result.input && spareInputs.length < 8) spareInputs.push(wholeBuffer(result.input));
  };
  const dispatch = async (data: Uint8Array, endsWithFinal: boolean): Promise<void> => {
    const spare =
      spareOutputs.pop() ??
      io.executor.allocate(
        batchBytes(chunkSize) + 16 * Math.ceil(batchBytes(chunkSize) / chunkSize),
      );
    const job = {
      op: 'seal' as const,
      key: keys.payloadKey,
      firstIndex: nextIndex,
      chunkSize,
      data,
      endsWithFinal,
      spare,
    };
    nextIndex += Math.ceil(data.length / chunkSize);
    const promise = io.executor.run(job);
    promise.catch(() => undefined);
    inFlight.push(promise);
    while (inFlight.length >= io.executor.concurrency) await drainOne();
  };
  // A full batch is only known not to be the last once more plaintext exists (or the size says so).
  const beforeFill = async (): Promise<void> => {
    if (held.batch !== null) {
      await dispatch(held.batch, false);
      held.batch = null;
    }
  };
  const afterFill = async (n: number): Promise<void> => {
    filled += n;
    produced += n;
    if (filled === batch.length) {
      if (payloadSize !== UNKNOWN_PAYLOAD_SIZE && produced < payloadSize)
        await dispatch(batch, false);
      else held.batch = batch;
      batch = newBatch();
      filled = 0;
    }
  };
  const push = async (bytes: Uint8Array): Promise<void> => {
    let at = 0;
    while (at < bytes.length) {
      await beforeFill();
      const n = Math.min(bytes.length - at, batch.length - filled);
      batch.set(bytes.subarray(at, at + n), filled);
      at += n;
      await afterFill(n);
    }
    io.onProgress?.(produced);
  };
  // Readers that can fill a buffer themselves save a copy of every byte (the fast path for files).
  const pull = async (reader: ContentReader, limit: number): Promise<number> => {
    let total = 0;
    for (;;) {
      const room = Math.min(batch.length - filled, limit - total);
      if (room <= 0) {
        // Read one byte past the limit into a scratch buffer: a file that grew must be refused.
        return total + (await reader.readInto(new Uint8Array(1)));
      }
      const n = await reader.readInto(batch.subarray(filled, filled + room));
      if (n === 0) return total;
      if (filled === 0) await beforeFill();
      total += n;
      await afterFill(n);
      io.onProgress?.(produced);
    }
  };

  const prefix = new Uint8Array(4 + manifestBytes.length);
  new DataView(prefix.buffer).setUint32(0, manifestBytes.length);
  prefix.set(manifestBytes, 4);
  await push(prefix);
  for (const entry of entries) {
    if (entry.type !== 'file') continue;
    let seen = 0;
    const source = entry.read();
    if (isContentReader(source)) {
      try {
        seen = await pull(source, entry.size ?? Infinity);
      } finally {
        await source.close();
      }
    } else {
      for await (const piece of source) {
        seen += piece.length;
        if (entry.size !== null && seen > entry.size) break;
        await push(piece);
      }
    }
    if (entry.size !== null && seen > entry.size) {
      throw new DataCryptError('E_IO', `${entry.path} grew while it was being encrypted`);
    }
    if (entry.size !== null && seen !== entry.size) {
      throw new DataCryptError('E_IO', `${entry.path} shrank while it was being encrypted`);
    }
  }
  const zeros = new Uint8Array(Math.min(manifest.padding, BATCH_BYTES));
  for (let left = manifest.padding; left > 0; left -= zeros.length) {
    await push(left >= zeros.length ? zeros : zeros.subarray(0, left));
  }

  if (held.batch !== null) await dispatch(held.batch, filled === 0);
  if (filled > 0) await dispatch(batch.subarray(0, filled), true);
  while (inFlight.length > 0) await drainOne();

  const record = sealSignatureRecord(params.sender, keys.signatureKey, header, digest.finish());
  await io.write(record);
  written += record.length;
  return { manifest, size: written };
}

function wholeBuffer(view: Uint8Array): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.buffer.byteLength - view.byteOffset);
}

function batchBytes(chunkSize: number): number {
  return Math.max(chunkSize, Math.floor(BATCH_BYTES / chunkSize) * chunkSize);
}

function uniqueRecipients(recipients: readonly PublicIdentity[]): PublicIdentity[] {
  const unique: PublicIdentity[] = [];
  for (const r of recipients) {
    if (!unique.some((u) => publicIdentitiesEqual(u, r))) unique.push(r);
  }
  return unique;
}

/** Fisher–Yates with the given randomness, so seeded vectors stay reproducible. */
function shuffle<T>(items: T[], random: RandomSource): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const bytes = random(4);
    const r = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
    const j = r % (i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/**
 * Builds the manifest and, when padding, finds the padding that makes the whole plaintext a Padmé
 * length (the manifest itself grows with the digits of the padding amount, hence the loop).
 */
function buildManifest(
  sender: string,
  created: number,
  entries: ManifestEntry[],
  pad: boolean,
): { manifest: Manifest; manifestBytes: Uint8Array; payloadSize: number } {
  const content = contentLength({ v: 1, sender, padding: 0, entries });
  let manifest: Manifest = { v: 1, sender, created, padding: 0, entries };
  let manifestBytes = encodeManifest(manifest);
  if (content === null) return { manifest, manifestBytes, payloadSize: UNKNOWN_PAYLOAD_SIZE };
  if (pad) {
    let target = padmeLength(4 + manifestBytes.length + content);
    for (let round = 1; ; round++) {
      const padding = target - (4 + manifestBytes.length + content);
      // The digits of `padding` can flip the manifest length back and forth; a larger target settles it.
      if (padding < 0 || round % 8 === 0) {
        target = padmeLength(target + 1);
        continue;
      }
      const candidate: Manifest = { ...manifest, padding };
      const candidateBytes = encodeManifest(candidate);
      if (candidateBytes.length === manifestBytes.length) {
        manifest = candidate;
        manifestBytes = candidateBytes;
        break;
      }
      manifestBytes = candidateBytes;
    }
  }
  return {
    manifest,
    manifestBytes,
    payloadSize: 4 + manifestBytes.length + content + manifest.padding,
  };
}
