import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import {
  encryptEntries,
  parseHeader,
  parsePublicIdentity,
  SIGNATURE_RECORD_LENGTH,
  sourcesFromPaths,
  TAG_LENGTH,
  youngGenerationCollector,
} from '@datacrypt/shared-crypto';
import type { JsonValue } from '../db/values.js';
import { isRelayError } from '../relay/relay-error.js';
import { asRecord, num, str, strings, transferExecutor, type EngineContext } from './context.js';
import { mapRelayError } from './errors.js';
import { fileCiphertextDigest } from './receipt.js';
import type { RunningTransfer } from './handle.js';
import type { SendResult } from './types.js';

/**
 * The send pipeline: stream the inputs through the encryptor into a spool file in the profile,
 * hashing each part as it lands, and upload every finished part at once (bounded parallelism)
 * while encryption goes on. Memory stays flat: nothing holds more than a few encryption batches
 * and one read buffer per upload.
 *
 * Why a spool: encryption is randomized (fresh file key, salts, HPKE), so a restarted process
 * cannot re-create the bytes of parts the relay already has. The spool makes the ciphertext
 * durable across a kill: once it is complete (`spooled` in the resume data) a restart asks the
 * relay which parts it holds and uploads only the others. A kill while the spool is still being
 * written leaves a ciphertext prefix that can never be completed (the encryptor's state is gone),
 * so a restart then revokes the relay transfer, deletes the spool and starts over cleanly. The
 * spool is removed after finalize (or cancel).
 * @module
 */

/** Tries per part before the send fails (network hiccups, relay storage retries). */
const PART_ATTEMPTS = 3;

/**
 * Upload bytes between two young-generation collections. Every read of the spool allocates a new
 * buffer; once encryption is done (its executor collects after every batch) nothing else frees
 * them before V8 notices the external memory, and the last parts' uploads pushed the sender's
 * peak RSS 10-15 MB higher. 1 MiB (with 256 KiB reads), not 2 MiB (with 512 KiB): once the
 * recipient downloads during the upload (a live relay) the processes share the cores, and the
 * larger figures let the sender peak at 105-120 MB in 5 of 19 runs (1 GiB bench), the smaller
 * at most 102 in 11.
 */
const COLLECT_EVERY_BYTES = 1024 * 1024;
/** Bytes per read of the spool for a part upload. */
const UPLOAD_READ_BYTES = 256 * 1024;

/** The resume data of a send, as stored in LocalDb (`transfers.resume_data`). */
export interface SendState {
  recipients: string[];
  expiryDays: number | null;
  downloadLimit: number | null;
  spool: string;
  /** Ciphertext size, once the header is known. */
  size: number | null;
  partSize: number | null;
  partCount: number | null;
  /** Hex SHA-256 of every part completely in the spool, in order. */
  partHashes: string[];
  /** The spool holds the whole ciphertext. */
  spooled: boolean;
  /** Hex ciphertext digest D (receipts sign it, see receipt.ts), once spooled. */
  cipherSha256: string | null;
  expiresAt: number | null;
  /** Receipts seen, by recipient email. */
  receipts: Record<string, { verified: boolean; createdAt: number }>;
}

/** The spool fields of a send with nothing encrypted yet (a new send, or one starting over). */
export function unspooled(): Pick<
  SendState,
  'size' | 'partSize' | 'partCount' | 'partHashes' | 'spooled' | 'cipherSha256' | 'expiresAt'
> {
  return {
    size: null,
    partSize: null,
    partCount: null,
    partHashes: [],
    spooled: false,
    cipherSha256: null,
    expiresAt: null,
  };
}

/** Reads a send's resume data (tolerating missing fields). */
export function readSendState(value: JsonValue, fallbackSpool: string): SendState {
  const r = asRecord(value);
  const receipts: SendState['receipts'] = {};
  const stored = asRecord(r.receipts ?? null);
  for (const [email, v] of Object.entries(stored)) {
    const rec = asRecord(v);
    if (typeof rec.verified === 'boolean' && typeof rec.createdAt === 'number') {
      receipts[email] = { verified: rec.verified, createdAt: rec.createdAt };
    }
  }
  return {
    recipients: strings(r, 'recipients'),
    expiryDays: num(r, 'expiryDays') ?? null,
    downloadLimit: num(r, 'downloadLimit') ?? null,
    spool: str(r, 'spool') ?? fallbackSpool,
    size: num(r, 'size') ?? null,
    partSize: num(r, 'partSize') ?? null,
    partCount: num(r, 'partCount') ?? null,
    partHashes: strings(r, 'partHashes'),
    spooled: r.spooled === true,
    cipherSha256: str(r, 'cipherSha256') ?? null,
    expiresAt: num(r, 'expiresAt') ?? null,
    receipts,
  };
}

/** The spool path of a local transfer id. */
export function spoolPath(profileDir: string, id: string): string {
  return join(profileDir, 'spool', `${id}.dcrypt`);
}

/** Ciphertext size from the header alone (SPEC.md §6.3: chunks, tags, signature record). */
function ciphertextSize(header: Uint8Array): number {
  const parsed = parseHeader(header);
  if (parsed.payloadSize < 1) throw new Error('a send always knows its payload size');
  const chunks = Math.ceil(parsed.payloadSize / 2 ** parsed.chunkLog2);
  return header.length + parsed.payloadSize + chunks * TAG_LENGTH + SIGNATURE_RECORD_LENGTH;
}

async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let at = 0;
  while (at < bytes.length) {
    at += (await handle.write(bytes, at, bytes.length - at, position + at)).bytesWritten;
  }
}

function partRange(size: number, partSize: number, n: number): { start: number; end: number } {
  const start = (n - 1) * partSize;
  return { start, end: Math.min(size, start + partSize) - 1 };
}

/** Uploads parts from the spool, at most `concurrency` at once, in the order they are queued. */
class PartUploader {
  private readonly queue: number[] = [];
  private running = 0;
  private failure: Error | null = null;
  private idle: (() => void)[] = [];
  /** Bytes of parts in flight sent so far, by part. */
  private readonly inFlight = new Map<number, number>();
  uploadedBytes = 0;
  uploaded = 0;
  private readonly collect = youngGenerationCollector();
  private sinceCollect = 0;

  constructor(
    private readonly ctx: EngineContext,
    private readonly run: RunningTransfer<SendResult>,
    private readonly relayId: string,
    private readonly st: SendState,
    private readonly onBytes: () => void,
  ) {}

  /** Bytes acknowledged plus bytes of parts in flight. */
  get bytesDone(): number {
    let sum = this.uploadedBytes;
    for (const v of this.inFlight.values()) sum += v;
    return sum;
  }

  enqueue(n: number): void {
    this.queue.push(n);
    this.pump();
  }

  private pump(): void {
    while (
      this.failure === null &&
      this.running < this.ctx.uploadConcurrency &&
      this.queue.length > 0
    ) {
      const n = this.queue.shift();
      if (n === undefined) break;
      this.running++;
      void this.one(n).then(
        () => {
          this.running--;
          this.pump();
          this.wake();
        },
        (error: unknown) => {
          this.running--;
          this.failure ??= error instanceof Error ? error : new Error(String(error));
          this.wake();
        },
      );
    }
  }

  private wake(): void {
    if (this.failure !== null || (this.running === 0 && this.queue.length === 0)) {
      const idle = this.idle;
      this.idle = [];
      for (const f of idle) f();
    }
  }

  /** Resolves when every queued part is uploaded; rejects with the first failure. */
  async drain(): Promise<void> {
    if (this.failure === null && (this.running > 0 || this.queue.length > 0)) {
      await new Promise<void>((resolve) => this.idle.push(resolve));
    }
    if (this.failure !== null) throw this.failure;
  }

  /** The first failure so far (the encryptor stops early on it). */
  check(): void {
    if (this.failure !== null) throw this.failure;
  }

  private async one(n: number): Promise<void> {
    const { size, partSize } = this.st;
    const hash = this.st.partHashes.at(n - 1);
    if (size === null || partSize === null || hash === undefined) throw new Error('part not ready');
    const { start, end } = partRange(size, partSize, n);
    for (let attempt = 1; ; attempt++) {
      await this.run.gate.wait(this.run.signal);
      this.run.throwIfCancelled();
      this.inFlight.set(n, 0);
      const open = () => {
        const file = createReadStream(this.st.spool, {
          start,
          end,
          highWaterMark: UPLOAD_READ_BYTES,
        });
        // One more 'data' listener only watches the bytes go by. It switches the stream to flowing,
        // which loses nothing: the file opens asynchronously and the client pipes the stream in
        // the same tick it gets it.
        file.on('data', (chunk) => {
          this.inFlight.set(n, (this.inFlight.get(n) ?? 0) + chunk.length);
          this.onBytes();
          this.sinceCollect += chunk.length;
          if (this.sinceCollect >= COLLECT_EVERY_BYTES) {
            this.sinceCollect = 0;
            this.collect?.();
          }
        });
        return file;
      };
      try {
        await this.ctx.transfers.uploadPart(
          this.relayId,
          n,
          open,
          end - start + 1,
          hash,
          this.run.signal,
        );
        this.inFlight.delete(n);
        this.uploadedBytes += end - start + 1;
        this.uploaded++;
        this.onBytes();
        return;
      } catch (error) {
        this.inFlight.delete(n);
        this.run.throwIfCancelled();
        const retryable = isRelayError(error, 'E_NETWORK') || isRelayError(error, 'E_STORAGE');
        if (!retryable || attempt >= PART_ATTEMPTS) throw mapRelayError(error, this.relayId);
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      }
    }
  }
}

/**
 * Runs (or resumes) the send of local transfer `run.id` to the end: finalized on the relay, spool
 * removed, state `completed`.
 */
export async function runSend(
  ctx: EngineContext,
  run: RunningTransfer<SendResult>,
  save: (patch: {
    st?: SendState;
    relayTransferId?: string | null;
    totalBytes?: number;
    progressBytes?: number;
  }) => void,
): Promise<SendResult> {
  const record = ctx.db.transfers.get(run.id);
  if (record === null) throw new Error(`transfer ${run.id} vanished`);
  const st = readSendState(record.resumeData, spoolPath(ctx.profileDir, run.id));
  let relayId = record.relayTransferId;
  await mkdir(join(ctx.profileDir, 'spool'), { recursive: true, mode: 0o700 });

  let spoolUsable = st.spooled && relayId !== null && st.size !== null;
  if (spoolUsable) {
    const info = await stat(st.spool).catch(() => null);
    spoolUsable = info?.size === st.size;
  }
  let skipped = 0;
  // Set inside callbacks below, hence an object (TypeScript does not track closure writes).
  const held: { uploader: PartUploader | null } = { uploader: null };
  const report = () => {
    run.report({ bytesDone: held.uploader?.bytesDone ?? 0 });
  };

  if (spoolUsable && relayId !== null) {
    // Resume from a complete spool: only the parts the relay lacks go up again.
    const id = relayId;
    const uploader = new PartUploader(ctx, run, id, st, report);
    held.uploader = uploader;
    let have: Map<number, string>;
    try {
      const parts = await ctx.transfers.listParts(id);
      have = new Map(parts.parts.map((p) => [p.n, p.sha256]));
    } catch (error) {
      throw mapRelayError(error, id);
    }
    const count = st.partCount ?? 0;
    for (let n = 1; n <= count; n++) {
      if (have.get(n) === st.partHashes[n - 1]) {
        skipped++;
        const { start, end } = partRange(st.size ?? 0, st.partSize ?? 1, n);
        uploader.uploadedBytes += end - start + 1;
      } else {
        uploader.enqueue(n);
      }
    }
    run.report(
      {
        relayTransferId: id,
        totalBytes: st.size ?? 0,
        bytesDone: uploader.bytesDone,
        encryptedBytes: st.size ?? 0,
        spooled: true,
      },
      true,
    );
    await uploader.drain();
  } else {
    // Fresh start (or restart after a kill with an incomplete spool: see the module comment).
    if (relayId !== null) {
      await ctx.transfers.revoke(relayId).catch(() => undefined);
      relayId = null;
      save({ relayTransferId: null });
    }
    await rm(st.spool, { force: true });
    Object.assign(st, unspooled());
    save({ st });
    const recipientKeys = st.recipients.map((email) =>
      parsePublicIdentity(ctx.contacts.assertCanSendTo(email).publicIdentity),
    );
    const sender = (await ctx.identities()).at(0);
    if (sender === undefined) throw new Error('no identity to sign with');
    const entries = await sourcesFromPaths(record.localPaths);
    let plaintext = 0;
    for (const e of entries) if (e.type === 'file') plaintext += e.size ?? 0;
    run.report({ totalBytes: plaintext, bytesDone: 0, encryptedBytes: 0, spooled: false }, true);

    const handle = await open(st.spool, 'w', 0o600);
    const executor = transferExecutor(ctx.parallelism);
    let partHash: Hash = createHash('sha256');
    let offset = 0;
    let headerLength = 0;
    const write = async (bytes: Uint8Array): Promise<void> => {
      run.throwIfCancelled();
      let up = held.uploader;
      if (up === null) {
        // The first write is the header, which fixes the ciphertext size the relay wants upfront.
        const size = ciphertextSize(bytes);
        headerLength = bytes.length;
        let view;
        try {
          view = await ctx.transfers.create({
            recipients: st.recipients,
            size,
            partSize: ctx.partSize,
            expiresInSeconds:
              st.expiryDays === null ? undefined : Math.round(st.expiryDays * 86400),
            maxDownloads: st.downloadLimit ?? undefined,
          });
        } catch (error) {
          throw mapRelayError(error, run.id);
        }
        relayId = view.id;
        Object.assign(st, {
          size,
          partSize: view.partSize,
          partCount: view.partCount,
          expiresAt: view.expiresAt,
        });
        save({ st, relayTransferId: view.id, totalBytes: size });
        up = new PartUploader(ctx, run, view.id, st, report);
        held.uploader = up;
        run.report({ relayTransferId: view.id, totalBytes: size }, true);
      }
      up.check();
      await writeAll(handle, bytes, offset);
      const size = st.size ?? 0;
      const partSize = st.partSize ?? 1;
      let at = 0;
      while (at < bytes.length) {
        const partEnd = Math.min(size, (st.partHashes.length + 1) * partSize);
        const n = Math.min(bytes.length - at, partEnd - offset);
        partHash.update(bytes.subarray(at, at + n));
        at += n;
        offset += n;
        if (offset === partEnd) {
          st.partHashes.push(partHash.digest('hex'));
          partHash = createHash('sha256');
          save({ st });
          up.enqueue(st.partHashes.length);
        }
      }
      run.report({ encryptedBytes: offset });
    };
    try {
      try {
        await encryptEntries(entries, { sender, recipients: recipientKeys }, { executor, write });
      } finally {
        await executor.close();
        await handle.close();
      }
      st.spooled = true;
      st.cipherSha256 = Buffer.from(await fileCiphertextDigest(st.spool, headerLength)).toString(
        'hex',
      );
      save({ st });
      run.report({ encryptedBytes: offset, spooled: true }, true);
      await held.uploader?.drain();
    } catch (error) {
      // Parts in flight stop on the shared signal; do not leave them racing the cleanup.
      await held.uploader?.drain().catch(() => undefined);
      throw error;
    }
  }

  const id = relayId;
  if (id === null) throw new Error('no relay transfer after the upload');
  let view;
  try {
    view = await ctx.transfers.finalize(id);
  } catch (error) {
    throw mapRelayError(error, id);
  }
  await rm(st.spool, { force: true });
  st.expiresAt = view.expiresAt;
  save({ st, progressBytes: st.size ?? 0 });
  run.report({ bytesDone: st.size ?? 0 }, true);
  return {
    id: run.id,
    relayTransferId: id,
    recipients: view.recipients,
    totalBytes: view.size,
    partCount: view.partCount,
    partsUploaded: held.uploader?.uploaded ?? 0,
    partsSkipped: skipped,
    expiresAt: view.expiresAt,
  };
}
