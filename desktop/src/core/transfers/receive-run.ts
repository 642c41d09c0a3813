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
  SIGNATURE_RECORD_LENGTH,
  type BatchExecutor,
  type DecryptResult,
  type DecryptSink,
  type PublicIdentity,
  type SecretIdentity,
} from '@datacrypt/shared-crypto';
import type { JsonValue } from '../db/values.js';
import { asRecord, str, strings, transferExecutor, type EngineContext } from './context.js';
import { CoalescingWriter } from './coalescing-writer.js';
import { mapRelayError, TransferError } from './errors.js';
import type { RunningTransfer } from './handle.js';
import { ciphertextDigest, fileCiphertextDigest, signReceipt } from './receipt.js';
import {
  planStagedResume,
  saveHeader,
  saveManifest,
  sinkTarget,
  stagingDir,
} from './receive-staging.js';
import type { ReceiveResult } from './types.js';

/**
 * The receive pipeline: download the ciphertext with HTTP Range and decrypt it as it arrives into
 * a private staging folder inside the destination; outputs are moved into place only after the
 * whole file verified (chunk tags, header MAC, the signature of the sender's pinned key). A file
 * that fails verification leaves no output.
 *
 * Resume, two ways:
 * - By default nothing but plaintext is written: after a kill (or a failure such as a cut
 *   connection) the decryption resumes from the plaintext already staged (receive-staging.ts) and
 *   only the ciphertext after it is fetched. Writing each byte once, not as ciphertext and then as
 *   plaintext, is what keeps a receive from being bound by the disk.
 * - With an encrypted copy, the ciphertext goes to `<profile>/downloads/<id>.dcrypt.part` (it
 *   becomes the `.dcrypt` file); after a kill its bytes are decrypted again and only the missing
 *   range is fetched.
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
): Promise<{ identity: SecretIdentity; header: Uint8Array; stream: AsyncIterable<Uint8Array> }> {
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
  return { identity: chosen, header: header.slice(), stream: again() };
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

/** What a verified receive hands on: the decryption, the identity it used, the receipt digest. */
interface Verified {
  result: DecryptResult;
  identity: SecretIdentity;
  digest: Uint8Array;
}

/** A receive's shared parts: the relay transfer, its size, and where its bytes go. */
interface ReceiveJob {
  ctx: EngineContext;
  run: RunningTransfer<ReceiveResult>;
  relayId: string;
  total: number;
  staging: string;
  expected: PublicIdentity | null;
  executor: BatchExecutor;
  /** Ciphertext bytes handled (local and fetched), for progress; and bytes fetched from the relay. */
  progress: { consumed: number; fetched: number };
}

/** The relay's ciphertext from `start` to the end, honouring pause and cancel. */
async function* fetchFrom(
  job: ReceiveJob,
  start: number,
  tap: (chunk: Buffer) => Promise<void> | void,
): AsyncGenerator<Uint8Array> {
  const { ctx, run, relayId, progress } = job;
  const signal = run.signal;
  let download;
  try {
    download = await ctx.transfers.download(relayId, { start, signal });
  } catch (error) {
    run.throwIfCancelled();
    throw mapRelayError(error, relayId);
  }
  try {
    if (download.totalSize !== job.total) {
      throw new DataCryptError('E_TRUNCATED', 'the relay serves a different size than it listed');
    }
    for await (const chunk of download.body as AsyncIterable<Buffer>) {
      if (run.gate.paused) await run.gate.wait(signal);
      run.throwIfCancelled();
      await tap(chunk);
      progress.fetched += chunk.length;
      progress.consumed += chunk.length;
      run.report({ bytesDone: progress.consumed });
      yield chunk;
    }
  } finally {
    download.abort();
  }
}

/** The last `length` bytes of a stream that goes by (the signature record, for the receipt). */
class Tail {
  private bytes = Buffer.alloc(0);
  constructor(private readonly length: number) {}
  push(chunk: Buffer): void {
    this.bytes =
      chunk.length >= this.length
        ? Buffer.from(chunk.subarray(chunk.length - this.length))
        : Buffer.concat([this.bytes, chunk]).subarray(-this.length);
  }
  get value(): Uint8Array {
    return this.bytes;
  }
}

async function* prepend(
  first: Uint8Array,
  rest: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  yield first;
  yield* rest;
}

/** The code of an error as the caller should see it: our own coded cause keeps its code. */
function surfaced(error: unknown): unknown {
  const cause = error instanceof DataCryptError ? (error.cause ?? null) : null;
  if (cause instanceof Error && 'code' in cause && !(cause instanceof DataCryptError)) return cause;
  return error;
}

/** The default receive: plaintext only, resumed from what is staged (see the module comment). */
async function receiveIntoStaging(job: ReceiveJob): Promise<Verified> {
  const { ctx, run, relayId, total, staging } = job;
  // A ciphertext file left by a receive that kept one is of no use to this one.
  await rm(partPath(ctx.profileDir, relayId), { force: true });
  const identities = await ctx.identities();
  for (let attempt = 1; ; attempt++) {
    await mkdir(staging, { recursive: true, mode: 0o700 });
    const plan = attempt === 1 ? await planStagedResume(staging, identities, total) : null;
    job.progress.consumed = plan?.resumeOffset ?? 0;
    job.progress.fetched = 0;
    run.report({ bytesDone: job.progress.consumed });
    const tail = new Tail(SIGNATURE_RECORD_LENGTH);
    const body = fetchFrom(job, plan?.resumeOffset ?? 0, (chunk) => {
      tail.push(chunk);
    });
    const inner = fileSystemSink(
      { mode: 'directory', path: sinkTarget(staging) },
      {
        keepOnAbort: true,
        ...(plan !== null
          ? { resume: { staging: plan.partial, contentBytes: plan.contentBytes } }
          : {}),
      },
    );
    const sink: DecryptSink = {
      begin: async (manifest, sender, manifestBytes) => {
        await saveManifest(staging, manifestBytes);
        await inner.begin(manifest, sender, manifestBytes);
      },
      write: (entry, index, bytes, replayed) => inner.write(entry, index, bytes, replayed),
      commit: () => inner.commit(),
      abort: () => inner.abort(),
    };
    try {
      let identity: SecretIdentity;
      let header: Uint8Array;
      let input: AsyncIterable<Uint8Array>;
      if (plan !== null) {
        ({ identity, header } = plan);
        input = prepend(header, body);
      } else {
        const picked = await pickIdentity(body, identities);
        ({ identity, header } = picked);
        await saveHeader(staging, header);
        input = picked.stream;
      }
      const result = await decryptStream(
        input,
        { identity, expectedSender: job.expected },
        { executor: job.executor, sink, ...(plan !== null ? { prefix: plan.prefix } : {}) },
      );
      return { result, identity, digest: ciphertextDigest(header, tail.value) };
    } catch (error) {
      if (run.isCancelled) {
        await rm(staging, { recursive: true, force: true });
        throw run.cancelError();
      }
      if (!ciphertextIsBad(error)) throw surfaced(error); // staged plaintext stays for a resume
      await rm(staging, { recursive: true, force: true });
      // What failed may be the staged plaintext (changed on disk, say): once more from the relay.
      if (plan === null) throw error;
    }
  }
}

/** The receive that keeps the ciphertext (`.part`, then the `.dcrypt` copy). */
async function receiveKeepingCiphertext(job: ReceiveJob): Promise<Verified> {
  const { ctx, run, relayId, total, staging, progress } = job;
  const part = partPath(ctx.profileDir, relayId);
  // Whatever a killed run staged is unverified: start the plaintext side over.
  await rm(staging, { recursive: true, force: true });
  let have = (await stat(part).catch(() => null))?.size ?? 0;
  if (have > total) {
    await rm(part, { force: true });
    have = 0;
  }
  async function* ciphertext(): AsyncGenerator<Uint8Array> {
    if (have > 0) {
      const local = createReadStream(part, { end: have - 1, highWaterMark: 1024 * 1024 });
      for await (const chunk of local as AsyncIterable<Buffer>) {
        progress.consumed += chunk.length;
        run.report({ bytesDone: progress.consumed });
        yield chunk;
      }
    }
    if (have >= total) return;
    const out = await CoalescingWriter.append(part);
    let complete = false;
    try {
      yield* fetchFrom(job, have, (chunk) => out.write(chunk));
      await out.close();
      complete = true;
    } finally {
      // Stopped early (failure, cancel): what reached the disk stays for a resume.
      if (!complete) await out.close().catch(() => undefined);
    }
  }

  const target = sinkTarget(staging);
  try {
    const picked = await pickIdentity(ciphertext(), await ctx.identities());
    const result = await decryptStream(
      picked.stream,
      { identity: picked.identity, expectedSender: job.expected },
      { executor: job.executor, sink: fileSystemSink({ mode: 'directory', path: target }) },
    );
    // The receipt's digest comes from the ciphertext on disk.
    const digest = await fileCiphertextDigest(part, picked.header.length);
    return { result, identity: picked.identity, digest };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (run.isCancelled) throw run.cancelError();
    if (ciphertextIsBad(error)) await rm(part, { force: true });
    throw surfaced(error);
  }
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

  await mkdir(join(ctx.profileDir, 'downloads'), { recursive: true, mode: 0o700 });
  await mkdir(st.outDir, { recursive: true });
  const staging = stagingDir(st.outDir, run.id);

  // The sender's pinned key is what the signature must match; an unknown sender is pinned now
  // (trust on first use) from the relay's directory.
  let pinnedNow = false;
  let expected = ctx.contacts.pinnedKey(view.sender);
  if (expected === null) {
    await ctx.contacts.addContact(view.sender);
    expected = ctx.contacts.pinnedKey(view.sender);
    pinnedNow = true;
  }

  const executor = transferExecutor(ctx.parallelism);
  const job: ReceiveJob = {
    ctx,
    run,
    relayId,
    total,
    staging,
    expected,
    executor,
    progress: { consumed: 0, fetched: 0 },
  };
  let verified: Verified;
  try {
    verified = st.keepEncryptedCopy
      ? await receiveKeepingCiphertext(job)
      : await receiveIntoStaging(job);
  } finally {
    await executor.close();
  }

  // Verified: the outputs are released (new names when something is in the way).
  const target = sinkTarget(staging);
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
    await move(partPath(ctx.profileDir, relayId), encryptedCopy);
  }
  st.outputs = outputs;
  st.encryptedCopy = encryptedCopy;
  save({ st, progressBytes: total });

  // The receipt binds this transfer id and the exact ciphertext to the recipient's key.
  let receiptSent = false;
  try {
    await ctx.transfers.receipt(
      relayId,
      signReceipt(verified.identity, {
        transferId: relayId,
        recipientEmail: ctx.email(),
        ciphertextSha256: verified.digest,
      }),
    );
    receiptSent = true;
  } catch {
    // The files are safely in place; a missing receipt only leaves the sender without proof.
    receiptSent = false;
  }
  const status = ctx.contacts.senderStatus(verified.result.sender);
  return {
    id: run.id,
    relayTransferId: relayId,
    outputs,
    encryptedCopy,
    sender: view.sender,
    senderStatus: status.status,
    senderFingerprint: fingerprint(verified.result.sender),
    senderPinnedNow: pinnedNow,
    totalBytes: total,
    bytesFetched: job.progress.fetched,
    receiptSent,
  };
}
