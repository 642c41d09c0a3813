import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import {
  DataCryptError,
  decryptStream,
  fileSystemSink,
  fingerprint,
  headerLengthFromPrefix,
  isDataCryptError,
  openHeader,
  pathExists,
  type SecretIdentity,
} from '@datacrypt/shared-crypto';
import type { JsonValue } from '../db/values.js';
import { asRecord, str, strings, transferExecutor, type EngineContext } from './context.js';
import { CoalescingWriter } from './coalescing-writer.js';
import { mapRelayError, TransferError } from './errors.js';
import type { RunningTransfer } from './handle.js';
import { fileCiphertextDigest, signReceipt } from './receipt.js';
import type { ReceiveResult } from './types.js';

/**
 * The receive pipeline: download the ciphertext with HTTP Range into
 * `<profile>/downloads/<id>.dcrypt.part` and decrypt it as it arrives into a private staging
 * folder next to the destination; outputs are moved into place only after the whole file verified
 * (chunk tags, header MAC, the signature of the sender's pinned key). After a kill the bytes on
 * disk are decrypted again (locally, they are verified like the rest) and only the missing range
 * is fetched. A file that fails verification leaves no output and its ciphertext is deleted.
 * @module
 */

/** The resume data of a receive. */
export interface ReceiveState {
  outDir: string;
  keepEncryptedCopy: boolean;
  outputs: string[];
  encryptedCopy: string | null;
}

/** Reads a receive's resume data. */
export function readReceiveState(value: JsonValue): ReceiveState {
  const r = asRecord(value);
  return {
    outDir: str(r, 'outDir') ?? '.',
    keepEncryptedCopy: r.keepEncryptedCopy === true,
    outputs: strings(r, 'outputs'),
    encryptedCopy: str(r, 'encryptedCopy') ?? null,
  };
}

/** Where the ciphertext of relay transfer `relayId` is downloaded to. */
export function partPath(profileDir: string, relayId: string): string {
  return join(profileDir, 'downloads', `${relayId}.dcrypt.part`);
}

/** The staging folder of one receive inside its destination (same file system: atomic renames). */
function stagingDir(outDir: string, id: string): string {
  return join(outDir, `.datacrypt-receiving-${id}`);
}

/** `name`, or `name (2).ext`, `name (3).ext`, ... : the first that does not exist in `dir`. */
async function freePath(dir: string, name: string): Promise<string> {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let i = 1; ; i++) {
    const candidate = join(dir, i === 1 ? name : `${stem} (${i})${ext}`);
    if (!(await pathExists(candidate))) return candidate;
  }
}

/** Renames, or copies then removes across file systems. */
async function move(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await copyFile(from, to);
    await rm(from, { force: true });
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  return Buffer.concat(chunks);
}

/**
 * Reads the header from the front of `input` and picks the identity that opens it (the current
 * one, or a retired one for transfers sent before a rotation). Returns it and the stream again,
 * whole.
 */
async function pickIdentity(
  input: AsyncIterable<Uint8Array>,
  identities: readonly SecretIdentity[],
): Promise<{ identity: SecretIdentity; headerLength: number; stream: AsyncIterable<Uint8Array> }> {
  const iterator = input[Symbol.asyncIterator]();
  const seen: Uint8Array[] = [];
  let length = 0;
  let need: number | null = null;
  let ended = false;
  while (need === null || length < need) {
    const next = await iterator.next();
    if (next.done === true) ended = true;
    else {
      seen.push(next.value);
      length += next.value.length;
    }
    need ??= headerLengthFromPrefix(concat(seen), ended);
    if (ended && (need === null || length < need)) {
      throw new DataCryptError('E_TRUNCATED', 'the file ends inside the header');
    }
  }
  const header = concat(seen).subarray(0, need);
  let chosen: SecretIdentity | undefined;
  let lastError: unknown = new DataCryptError('E_NOT_RECIPIENT', 'no identity to decrypt with');
  for (const identity of identities) {
    try {
      openHeader(header, identity);
      chosen = identity;
      break;
    } catch (error) {
      lastError = error;
      if (!isDataCryptError(error, 'E_NOT_RECIPIENT')) break;
    }
  }
  if (chosen === undefined) {
    await iterator.return?.();
    throw lastError;
  }
  async function* again(): AsyncGenerator<Uint8Array> {
    yield* seen;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return;
      yield next.value;
    }
  }
  return { identity: chosen, headerLength: need, stream: again() };
}

/** Errors that mean the ciphertext itself is bad: keeping it for a resume would only fail again. */
function ciphertextIsBad(error: unknown): boolean {
  return (
    error instanceof DataCryptError &&
    [
      'E_FORMAT',
      'E_VERSION',
      'E_HEADER_MAC',
      'E_CHUNK_AUTH',
      'E_TRUNCATED',
      'E_SIGNATURE',
      'E_MANIFEST',
      'E_NOT_RECIPIENT',
    ].includes(error.code)
  );
}

/**
 * Runs (or resumes) the receive of local transfer `run.id` to the end: outputs in place, receipt
 * sent, state `completed`.
 */
export async function runReceive(
  ctx: EngineContext,
  run: RunningTransfer<ReceiveResult>,
  save: (patch: { st?: ReceiveState; totalBytes?: number; progressBytes?: number }) => void,
): Promise<ReceiveResult> {
  const record = ctx.db.transfers.get(run.id);
  if (record?.relayTransferId == null) throw new Error(`transfer ${run.id} vanished`);
  const relayId = record.relayTransferId;
  const st = readReceiveState(record.resumeData);
  let view;
  try {
    view = await ctx.transfers.get(relayId);
  } catch (error) {
    throw mapRelayError(error, relayId);
  }
  if (view.status === 'expired') {
    throw new TransferError('E_TRANSFER_EXPIRED', `transfer ${relayId} has expired`);
  }
  const total = view.size;
  save({ totalBytes: total });
  run.report({ relayTransferId: relayId, totalBytes: total }, true);

  const downloads = join(ctx.profileDir, 'downloads');
  await mkdir(downloads, { recursive: true, mode: 0o700 });
  await mkdir(st.outDir, { recursive: true });
  const part = partPath(ctx.profileDir, relayId);
  const staging = stagingDir(st.outDir, run.id);
  // Whatever a killed run staged is unverified: start the plaintext side over.
  await rm(staging, { recursive: true, force: true });
  let have = (await stat(part).catch(() => null))?.size ?? 0;
  if (have > total) {
    await rm(part, { force: true });
    have = 0;
  }

  // The sender's pinned key is what the signature must match; an unknown sender is pinned now
  // (trust on first use) from the relay's directory.
  let pinnedNow = false;
  let expected = ctx.contacts.pinnedKey(view.sender);
  if (expected === null) {
    await ctx.contacts.addContact(view.sender);
    expected = ctx.contacts.pinnedKey(view.sender);
    pinnedNow = true;
  }

  let fetched = 0;
  let consumed = 0;
  const signal = run.signal;
  async function* ciphertext(): AsyncGenerator<Uint8Array> {
    if (have > 0) {
      const local = createReadStream(part, { end: have - 1, highWaterMark: 1024 * 1024 });
      for await (const chunk of local as AsyncIterable<Buffer>) {
        consumed += chunk.length;
        run.report({ bytesDone: consumed });
        yield chunk;
      }
    }
    if (have >= total) return;
    let download;
    try {
      download = await ctx.transfers.download(relayId, { start: have, signal });
    } catch (error) {
      run.throwIfCancelled();
      throw mapRelayError(error, relayId);
    }
    if (download.totalSize !== total) {
      download.abort();
      throw new DataCryptError('E_TRUNCATED', 'the relay serves a different size than it listed');
    }
    const out = await CoalescingWriter.append(part);
    let complete = false;
    try {
      for await (const chunk of download.body as AsyncIterable<Buffer>) {
        if (run.gate.paused) await run.gate.wait(signal);
        run.throwIfCancelled();
        await out.write(chunk);
        fetched += chunk.length;
        consumed += chunk.length;
        run.report({ bytesDone: consumed });
        yield chunk;
      }
      await out.close();
      complete = true;
    } finally {
      download.abort();
      // Stopped early (failure, cancel): what reached the disk stays for a resume.
      if (!complete) await out.close().catch(() => undefined);
    }
  }

  const executor = transferExecutor(ctx.parallelism);
  const target = join(staging, 'out');
  let result;
  let identity: SecretIdentity;
  let headerLength: number;
  try {
    const picked = await pickIdentity(ciphertext(), await ctx.identities());
    identity = picked.identity;
    headerLength = picked.headerLength;
    result = await decryptStream(
      picked.stream,
      { identity, expectedSender: expected },
      { executor, sink: fileSystemSink({ mode: 'directory', path: target }) },
    );
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (run.isCancelled) throw run.cancelError();
    // A DataCryptError wrapping our own coded error (E_IO from the stream) keeps its cause's code.
    const cause = error instanceof DataCryptError ? (error.cause ?? null) : null;
    if (cause instanceof Error && 'code' in cause && !(cause instanceof DataCryptError))
      throw cause;
    if (ciphertextIsBad(error)) await rm(part, { force: true });
    throw error;
  } finally {
    await executor.close();
  }

  // Verified: the receipt's digest comes from the ciphertext on disk (before it moves), then the
  // outputs are released (new names when something is in the way).
  const digest = await fileCiphertextDigest(part, headerLength);
  const outputs: string[] = [];
  for (const name of (await readdir(target)).sort()) {
    const to = await freePath(st.outDir, name);
    await rename(join(target, name), to);
    outputs.push(to);
  }
  await rm(staging, { recursive: true, force: true });
  let encryptedCopy: string | null = null;
  if (st.keepEncryptedCopy) {
    encryptedCopy = await freePath(st.outDir, `${basename(outputs[0] ?? relayId)}.dcrypt`);
    await move(part, encryptedCopy);
  } else {
    await rm(part, { force: true });
  }
  st.outputs = outputs;
  st.encryptedCopy = encryptedCopy;
  save({ st, progressBytes: total });

  // The receipt binds this transfer id and the exact ciphertext to the recipient's key.
  let receiptSent = false;
  try {
    await ctx.transfers.receipt(
      relayId,
      signReceipt(identity, {
        transferId: relayId,
        recipientEmail: ctx.email(),
        ciphertextSha256: digest,
      }),
    );
    receiptSent = true;
  } catch {
    // The files are safely in place; a missing receipt only leaves the sender without proof.
    receiptSent = false;
  }
  const status = ctx.contacts.senderStatus(result.sender);
  return {
    id: run.id,
    relayTransferId: relayId,
    outputs,
    encryptedCopy,
    sender: view.sender,
    senderStatus: status.status,
    senderFingerprint: fingerprint(result.sender),
    senderPinnedNow: pinnedNow,
    totalBytes: total,
    bytesFetched: fetched,
    receiptSent,
  };
}
