import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { normalizeEmail, type SecretIdentity } from '@datacrypt/shared-crypto';
import type { ListQuery, TransferView } from '@datacrypt/relay-server/contract';
import type { Contacts } from '../contacts/contacts.js';
import type { LocalDb } from '../db/local-db.js';
import { UNFINISHED_STATES, type Transfer, type TransferState } from '../db/transfers.js';
import type { JsonValue } from '../db/values.js';
import type { RelayClient } from '../relay/relay-client.js';
import { TransfersClient } from '../relay/transfers-client.js';
import { type EngineContext } from './context.js';
import { mapRelayError, TransferError } from './errors.js';
import { RunningTransfer } from './handle.js';
import { verifyReceipt } from './receipt.js';
import { partPath, readReceiveState, runReceive, type ReceiveState } from './receive-run.js';
import { stagingDir } from './receive-staging.js';
import { readSendState, runSend, spoolPath, unspooled, type SendState } from './send-run.js';
import type {
  ReceiptStatus,
  ReceiveOptions,
  ReceiveResult,
  SendOptions,
  SendResult,
  TransferHandle,
  TransferSummary,
} from './types.js';

/**
 * The transfer engine: sends (encrypt → spool → parallel part uploads, resumable after a kill),
 * receives (ranged download → streaming decrypt → verified release, resumable), delivery
 * receipts, revoke, and the inbox/sent lists merged with local state.
 * @module
 */

/** Default part size: the relay's default, large enough that per-part overhead is negligible. */
export const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
/** Default number of parts uploaded at once. */
export const DEFAULT_UPLOAD_CONCURRENCY = 4;

/**
 * Options of the TransferEngine.
 * @example
 * new TransferEngine({ db, accountId, relay, contacts, profileDir,
 *   identities: async () => (await keyStore.all(account)).map((s) => s.identity) });
 */
export interface TransferEngineOptions {
  db: LocalDb;
  /** The LocalDb account (`db.accounts`) transfers belong to. */
  accountId: number;
  /** A logged-in RelayClient of that account. */
  relay: RelayClient;
  contacts: Contacts;
  /** The account's identities, current first, then retired ones (to open older transfers). */
  identities: () => Promise<readonly SecretIdentity[]>;
  /** The profile folder: the spool (`spool/`) and downloads (`downloads/`) live in it. */
  profileDir: string;
  /** Worker threads for AES (default and 0: inline on the calling thread, see transferExecutor). */
  parallelism?: number | undefined;
  /** Parts uploaded at once (default 4). */
  uploadConcurrency?: number | undefined;
  /** Part size in bytes (default 16 MiB; the relay enforces its bounds: E_PART_SIZE). */
  partSize?: number | undefined;
}

/**
 * Sends and receives transfers of one account.
 * @example
 * const engine = new TransferEngine({ db, accountId, relay, contacts, identities, profileDir });
 * const send = await engine.send(['report.pdf', 'photos'], ['bob@example.com'], { expiryDays: 7 });
 * send.on('progress', (p) => console.log(p.bytesDone, p.totalBytes, p.rateBps, p.etaSeconds));
 * const { relayTransferId } = await send.done;
 * // on Bob's side:
 * const got = await engine.receive(relayTransferId, { outDir: 'Downloads', keepEncryptedCopy: true });
 * const { outputs, senderStatus } = await got.done;
 */
export class TransferEngine {
  /** The transfer routes client (shared with the InboxWatcher's catch-up). */
  readonly transfers: TransfersClient;
  private readonly ctx: EngineContext;
  private readonly running = new Map<
    string,
    RunningTransfer<SendResult> | RunningTransfer<ReceiveResult>
  >();

  constructor(options: TransferEngineOptions) {
    this.transfers = new TransfersClient(options.relay);
    const relay = options.relay;
    this.ctx = {
      db: options.db,
      accountId: options.accountId,
      email: () => {
        const email = relay.email;
        if (email === null) throw new TransferError('E_TRANSFER_STATE', 'not logged in');
        return email;
      },
      transfers: this.transfers,
      contacts: options.contacts,
      identities: options.identities,
      profileDir: resolve(options.profileDir),
      parallelism: options.parallelism,
      uploadConcurrency: Math.max(1, options.uploadConcurrency ?? DEFAULT_UPLOAD_CONCURRENCY),
      partSize: options.partSize ?? DEFAULT_PART_SIZE,
    };
  }

  private setState(id: string, state: TransferState, errorCode?: string | null): void {
    this.ctx.db.transfers.update(id, errorCode === undefined ? { state } : { state, errorCode });
  }

  /**
   * Sends files and folders to contacts. Each recipient's key is fetched again first; a contact
   * whose key changed blocks the send with KeyChangedError (E_KEY_CHANGED, old and new
   * fingerprints) before anything is read or uploaded; a non-contact is E_ARGUMENT. The returned
   * handle runs at once.
   * @example
   * const h = await engine.send(['a.txt', 'photos'], ['bob@example.com', 'carol@example.com']);
   * await h.done;
   */
  async send(
    paths: readonly string[],
    recipients: readonly string[],
    options: SendOptions = {},
  ): Promise<TransferHandle<SendResult>> {
    if (paths.length === 0) throw new TransferError('E_TRANSFER_STATE', 'nothing to send');
    if (recipients.length === 0) throw new TransferError('E_TRANSFER_STATE', 'no recipients');
    const emails = [...new Set(recipients.map((e) => normalizeEmail(e)))];
    for (const email of emails) {
      // A key-swapping relay shows up here: the new key is recorded pending, and sending blocks.
      await this.ctx.contacts.refresh(email);
      this.ctx.contacts.assertCanSendTo(email);
    }
    const record = this.ctx.db.transfers.create({
      accountId: this.ctx.accountId,
      direction: 'send',
      state: 'active',
      localPaths: paths.map((p) => resolve(p)),
      resumeData: {},
    });
    const st: SendState = {
      recipients: emails,
      expiryDays: options.expiryDays ?? null,
      downloadLimit: options.downloadLimit ?? null,
      spool: spoolPath(this.ctx.profileDir, record.id),
      ...unspooled(),
      receipts: {},
    };
    this.ctx.db.transfers.update(record.id, { resumeData: toJson(st) });
    return this.startSend(record.id, false);
  }

  /** Writes a run's progress to its LocalDb row: resume state and the fields that are given. */
  private saver(id: string): SaveProgress {
    return (patch) => {
      this.ctx.db.transfers.update(id, {
        ...(patch.st === undefined ? {} : { resumeData: toJson(patch.st) }),
        ...(patch.relayTransferId === undefined ? {} : { relayTransferId: patch.relayTransferId }),
        ...(patch.totalBytes === undefined ? {} : { totalBytes: patch.totalBytes }),
        ...(patch.progressBytes === undefined ? {} : { progressBytes: patch.progressBytes }),
      });
    };
  }

  private startSend(id: string, paused: boolean): RunningTransfer<SendResult> {
    const run = new RunningTransfer<SendResult>(id, 'send', (s) => {
      this.setState(id, s);
    });
    this.running.set(id, run);
    return this.launch(run, paused, (save) => runSend(this.ctx, run, save), {
      cancelled: () => this.discardSend(id),
      // A passing failure keeps the spool and the relay transfer for `resumeTransfer`; any
      // other (quota, expiry, a changed key, unreadable input) would fail again: clean up.
      failed: async (error) => {
        if (!RETRYABLE.has(codeOf(error))) await this.discardSend(id);
      },
    });
  }

  /**
   * Runs a registered send or receive: mirrors how it ends into LocalDb (completed; paused when
   * stopped; cancelled or failed after its clean-up) and unregisters it then.
   */
  private launch<R>(
    run: RunningTransfer<R>,
    paused: boolean,
    work: (save: SaveProgress) => Promise<R>,
    cleanUp: { cancelled: () => Promise<void>; failed: (error: unknown) => Promise<void> },
  ): RunningTransfer<R> {
    const { id } = run;
    if (paused) run.gate.pause();
    const save = this.saver(id);
    run.start(async () => {
      try {
        const result = await work(save);
        this.setState(id, 'completed', null);
        return result;
      } catch (error) {
        if (run.isStopped) {
          this.setState(id, 'paused');
          throw run.cancelError();
        }
        if (run.isCancelled) {
          await cleanUp.cancelled();
          this.setState(id, 'cancelled', 'E_CANCELLED');
          throw run.cancelError();
        }
        await cleanUp.failed(error);
        this.setState(id, 'failed', codeOf(error));
        throw error;
      } finally {
        this.running.delete(id);
      }
    });
    run.report({ state: paused ? 'paused' : 'active' }, true);
    this.setState(id, paused ? 'paused' : 'active');
    return run;
  }

  private async discardSend(id: string): Promise<void> {
    const record = this.ctx.db.transfers.get(id);
    if (record === null) return;
    const st = readSendState(record.resumeData, spoolPath(this.ctx.profileDir, id));
    if (record.relayTransferId !== null) {
      await this.transfers.revoke(record.relayTransferId).catch(() => undefined);
    }
    await rm(st.spool, { force: true });
  }

  /**
   * Downloads, verifies and decrypts relay transfer `relayTransferId` into `options.outDir`.
   * Signature not from the sender's pinned key: E_SIGNATURE; a sender who is not a contact is
   * pinned first (trust on first use, `senderStatus` `unverified`); tampered ciphertext:
   * E_CHUNK_AUTH. Neither leaves an output. Expired, revoked, over the download limit:
   * E_TRANSFER_EXPIRED, E_TRANSFER_REVOKED, E_DOWNLOAD_LIMIT. A receive interrupted earlier (or
   * by a kill) resumes from the ciphertext on disk; a completed one is E_TRANSFER_STATE.
   * @example
   * const h = await engine.receive(id, { outDir: '/home/bob/Downloads' });
   * const { outputs } = await h.done;
   */
  receive(
    relayTransferId: string,
    options: ReceiveOptions,
  ): Promise<TransferHandle<ReceiveResult>> {
    const existing = this.ctx.db.transfers.findByRelayId(
      this.ctx.accountId,
      'receive',
      relayTransferId,
    );
    if (existing !== null) {
      const active = this.running.get(existing.id);
      if (active !== undefined) return Promise.resolve(active as RunningTransfer<ReceiveResult>);
      if (existing.state === 'completed') {
        return Promise.reject(
          new TransferError('E_TRANSFER_STATE', `transfer ${relayTransferId} was already received`),
        );
      }
    }
    const st: ReceiveState = {
      outDir: resolve(options.outDir),
      keepEncryptedCopy: options.keepEncryptedCopy === true,
      outputs: [],
      encryptedCopy: null,
    };
    const id =
      existing?.id ??
      this.ctx.db.transfers.create({
        accountId: this.ctx.accountId,
        direction: 'receive',
        relayTransferId,
        state: 'active',
      }).id;
    this.ctx.db.transfers.update(id, { resumeData: toJson(st), errorCode: null });
    return Promise.resolve(this.startReceive(id, false));
  }

  private startReceive(id: string, paused: boolean): RunningTransfer<ReceiveResult> {
    const run = new RunningTransfer<ReceiveResult>(id, 'receive', (s) => {
      this.setState(id, s);
    });
    this.running.set(id, run);
    return this.launch(run, paused, (save) => runReceive(this.ctx, run, save), {
      cancelled: async () => {
        const record = this.ctx.db.transfers.get(id);
        const relayId = record?.relayTransferId ?? null;
        if (relayId !== null) await rm(partPath(this.ctx.profileDir, relayId), { force: true });
        if (record !== null) {
          const { outDir } = readReceiveState(record.resumeData);
          await rm(stagingDir(outDir, id), { recursive: true, force: true });
        }
      },
      failed: () => Promise.resolve(),
    });
  }

  /**
   * The running transfer with this local id, if any.
   * @example
   * engine.handle(id)?.pause();
   */
  handle(id: string): TransferHandle<SendResult> | TransferHandle<ReceiveResult> | null {
    return this.running.get(id) ?? null;
  }

  /**
   * Restarts every unfinished transfer of the account (after a crash, a kill or a restart):
   * sends continue from the spool (only parts the relay lacks), receives from the ciphertext on
   * disk. Paused ones come back paused. Returns their handles.
   * @example
   * for (const h of await engine.resumePending()) h.done.catch(report);
   */
  resumePending(): Promise<(TransferHandle<SendResult> | TransferHandle<ReceiveResult>)[]> {
    const pending = this.ctx.db.transfers.list({
      accountId: this.ctx.accountId,
      states: UNFINISHED_STATES,
    });
    return Promise.resolve(
      pending.filter((t) => !this.running.has(t.id)).map((t) => this.restart(t)),
    );
  }

  /**
   * Restarts one unfinished or failed transfer by local id (E_TRANSFER_STATE when completed or
   * cancelled).
   * @example
   * await (await engine.resumeTransfer(id)).done;
   */
  resumeTransfer(id: string): Promise<TransferHandle<SendResult> | TransferHandle<ReceiveResult>> {
    const active = this.running.get(id);
    if (active !== undefined) return Promise.resolve(active);
    const t = this.ctx.db.transfers.get(id);
    if (t?.accountId !== this.ctx.accountId || t.state === 'completed' || t.state === 'cancelled') {
      return Promise.reject(new TransferError('E_TRANSFER_STATE', `transfer ${id} cannot resume`));
    }
    return Promise.resolve(this.restart(t));
  }

  private restart(t: Transfer): RunningTransfer<SendResult> | RunningTransfer<ReceiveResult> {
    const paused = t.state === 'paused';
    return t.direction === 'send' ? this.startSend(t.id, paused) : this.startReceive(t.id, paused);
  }

  /**
   * Revokes a sent transfer on the relay (ciphertext and record deleted; recipients get
   * transfer:revoked) and stops it here if it is still uploading.
   * @example
   * await engine.revoke(relayTransferId);
   */
  async revoke(relayTransferId: string): Promise<void> {
    const local = this.ctx.db.transfers.findByRelayId(this.ctx.accountId, 'send', relayTransferId);
    if (local !== null) {
      const run = this.running.get(local.id);
      if (run !== undefined) {
        await run.cancel();
        return;
      }
    }
    try {
      await this.transfers.revoke(relayTransferId);
    } catch (error) {
      throw mapRelayError(error, relayTransferId);
    }
    if (local !== null) this.setState(local.id, 'cancelled', 'E_TRANSFER_REVOKED');
  }

  /**
   * Removes a received transfer from the inbox on the relay.
   * @example
   * await engine.hide(relayTransferId);
   */
  async hide(relayTransferId: string): Promise<void> {
    try {
      await this.transfers.hide(relayTransferId);
    } catch (error) {
      throw mapRelayError(error, relayTransferId);
    }
  }

  /**
   * The inbox (finalized transfers to this account), newest first, with local state and the
   * sender's trust status.
   * @example
   * const items = await engine.inbox({ limit: 20 });
   */
  async inbox(query: ListQuery = {}): Promise<TransferSummary[]> {
    const list = await this.transfers.inbox(query);
    return list.items.map((v) => {
      const summary = this.summarize(v, 'receive');
      const contact = this.ctx.contacts.get(v.sender);
      summary.senderStatus = contact === null ? 'unknown' : contact.status;
      return summary;
    });
  }

  /**
   * The sent list, newest first, with local state; receipts are checked against each
   * recipient's pinned key (and the verdict remembered locally).
   * @example
   * const sent = await engine.sent();
   * sent[0]?.receipts.every((r) => r.verified);
   */
  async sent(query: ListQuery = {}): Promise<TransferSummary[]> {
    const list = await this.transfers.sent(query);
    return list.items.map((v) => this.summarize(v, 'send'));
  }

  /**
   * Fetches a sent transfer's receipts and checks each against the recipient's pinned key over
   * this transfer's ciphertext digest; remembers the outcome per recipient.
   * @example
   * const receipts = await engine.verifyReceipts(relayTransferId);
   */
  async verifyReceipts(relayTransferId: string): Promise<ReceiptStatus[]> {
    let view: TransferView;
    try {
      view = await this.transfers.get(relayTransferId);
    } catch (error) {
      throw mapRelayError(error, relayTransferId);
    }
    return this.summarize(view, 'send').receipts;
  }

  private summarize(v: TransferView, direction: 'send' | 'receive'): TransferSummary {
    const local = this.ctx.db.transfers.findByRelayId(this.ctx.accountId, direction, v.id);
    let receipts: ReceiptStatus[] = v.receipts.map((r) => ({
      recipient: r.recipient,
      createdAt: r.createdAt,
      verified: false,
    }));
    let outputs: string[] = [];
    if (local !== null && direction === 'send') {
      const st = readSendState(local.resumeData, spoolPath(this.ctx.profileDir, local.id));
      receipts = v.receipts.map((r) => {
        const key = this.ctx.contacts.pinnedKey(r.recipient);
        const verified =
          key !== null &&
          st.cipherSha256 !== null &&
          verifyReceipt(
            key,
            {
              transferId: v.id,
              recipientEmail: r.recipient,
              ciphertextSha256: Buffer.from(st.cipherSha256, 'hex'),
            },
            r.signature,
          );
        return { recipient: r.recipient, createdAt: r.createdAt, verified };
      });
      const known = JSON.stringify(st.receipts);
      for (const r of receipts)
        st.receipts[r.recipient] = { verified: r.verified, createdAt: r.createdAt };
      if (JSON.stringify(st.receipts) !== known) {
        this.ctx.db.transfers.update(local.id, { resumeData: toJson(st) });
      }
    } else if (local !== null) {
      outputs = readReceiveState(local.resumeData).outputs;
    }
    return {
      relayTransferId: v.id,
      direction,
      sender: v.sender,
      recipients: v.recipients,
      size: v.size,
      status: v.status,
      createdAt: v.createdAt,
      expiresAt: v.expiresAt,
      maxDownloads: v.maxDownloads,
      downloads: v.downloads,
      receipts,
      local:
        local === null
          ? null
          : { id: local.id, state: local.state, progressBytes: local.progressBytes, outputs },
    };
  }

  /**
   * The local record of a relay transfer in one direction, or null.
   * @example
   * engine.findLocal(id, 'receive')?.state; // 'completed'
   */
  findLocal(relayTransferId: string, direction: 'send' | 'receive'): Transfer | null {
    return this.ctx.db.transfers.findByRelayId(this.ctx.accountId, direction, relayTransferId);
  }

  /**
   * Local transfers of the account (both directions), newest first: what the UI shows for work
   * in progress or failed.
   * @example
   * engine.localTransfers().filter((t) => t.state === 'failed');
   */
  localTransfers(): Transfer[] {
    return this.ctx.db.transfers.list({ accountId: this.ctx.accountId });
  }

  /**
   * Stops every running transfer (their `done` rejects with E_STOPPED); their state stays
   * resumable (`resumePending` continues them later). Call before closing the LocalDb.
   * @example
   * await engine.close();
   */
  async close(): Promise<void> {
    await Promise.all([...this.running.values()].map((run) => run.stop()));
  }
}

/** Failures that may pass: a failed send keeps what it needs to resume. */
const RETRYABLE = new Set(['E_NETWORK', 'E_STORAGE', 'E_RATE_LIMITED', 'E_INTERNAL']);

function codeOf(error: unknown): string {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    return error.code.slice(0, 64);
  }
  return 'E_INTERNAL';
}

/** Stores a run's progress: its resume state and whichever other fields are given. */
type SaveProgress = (patch: {
  st?: SendState | ReceiveState;
  relayTransferId?: string | null;
  totalBytes?: number;
  progressBytes?: number;
}) => void;

function toJson(value: SendState | ReceiveState): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}
