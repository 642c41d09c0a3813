import type { SenderStatus } from '../contacts/contacts.js';
import type { TransferDirection, TransferState } from '../db/transfers.js';

/**
 * The public shapes of the transfer engine: handles, progress, results and listings.
 * @module
 */

/**
 * A snapshot of a running transfer. Sends count ciphertext bytes the relay acknowledged;
 * receives count ciphertext bytes downloaded and decrypted.
 * @example
 * handle.on('progress', (p) => bar.update(p.bytesDone, { eta: p.etaSeconds }));
 */
export interface TransferProgress {
  /** Local id of the transfer (LocalDb `transfers.id`). */
  id: string;
  direction: TransferDirection;
  /** The relay's id, once known. */
  relayTransferId: string | null;
  state: TransferState;
  bytesDone: number;
  /** Ciphertext size; before a send knows it, the plaintext size. */
  totalBytes: number;
  /** Recent throughput, bytes per second (0 before enough samples). */
  rateBps: number;
  /** Seconds to go at the recent rate, or null when unknown. */
  etaSeconds: number | null;
  /** Send only: ciphertext bytes encrypted into the spool so far. */
  encryptedBytes?: number;
  /** Send only: the spool holds the whole ciphertext (encryption finished). */
  spooled?: boolean;
}

/**
 * A running send or receive. `done` settles once: the result, or a CodedError / DataCryptError
 * (`E_CANCELLED` after `cancel()`).
 * @example
 * const h = await engine.send(['report.pdf'], ['bob@example.com']);
 * h.on('progress', show);
 * h.pause(); h.resume();
 * const result = await h.done;
 */
export interface TransferHandle<R> {
  /** Local id (LocalDb `transfers.id`). */
  readonly id: string;
  readonly direction: TransferDirection;
  /** Settles with the result or the failure. */
  readonly done: Promise<R>;
  on(event: 'progress', listener: (progress: TransferProgress) => void): this;
  off(event: 'progress', listener: (progress: TransferProgress) => void): this;
  /** The latest progress snapshot. */
  progress(): TransferProgress;
  /** Stops moving bytes over the network (in-flight parts finish); state `paused`. */
  pause(): void;
  /** Continues after `pause`. */
  resume(): void;
  /** Stops, removes local temporary data (and, for a send, the transfer on the relay). */
  cancel(): Promise<void>;
}

/**
 * Options of `TransferEngine.send`.
 * @example
 * await engine.send(paths, to, { expiryDays: 7, downloadLimit: 3 });
 */
export interface SendOptions {
  /** Days until the relay deletes the transfer (relay default when omitted). */
  expiryDays?: number | undefined;
  /** Downloads allowed per transfer (unlimited when omitted). */
  downloadLimit?: number | undefined;
}

/**
 * What a finished send reports.
 * @example
 * const { relayTransferId, partsUploaded } = await handle.done;
 */
export interface SendResult {
  id: string;
  relayTransferId: string;
  recipients: string[];
  /** Ciphertext bytes. */
  totalBytes: number;
  partCount: number;
  /** Parts this process uploaded (after a resume: only the ones the relay lacked). */
  partsUploaded: number;
  /** Parts the relay already held when this process (re)started. */
  partsSkipped: number;
  expiresAt: number;
}

/**
 * Options of `TransferEngine.receive`.
 * @example
 * await engine.receive(id, { outDir: '~/Downloads', keepEncryptedCopy: true });
 */
export interface ReceiveOptions {
  /** Folder the decrypted files and folders are released into (created if missing). */
  outDir: string;
  /** Keep the downloaded ciphertext as `<outDir>/<name>.dcrypt` (decryptable offline). */
  keepEncryptedCopy?: boolean | undefined;
}

/**
 * What a finished receive reports.
 * @example
 * const { outputs, senderStatus } = await handle.done;
 */
export interface ReceiveResult {
  id: string;
  relayTransferId: string;
  /** Top-level paths released into `outDir`. */
  outputs: string[];
  /** The `.dcrypt` copy, when kept. */
  encryptedCopy: string | null;
  /** The sender's email as the relay reports it. */
  sender: string;
  /** Trust of the signer (`unverified` right after trust-on-first-use). */
  senderStatus: SenderStatus;
  senderFingerprint: string;
  /** True when the sender was pinned by this receive (trust on first use). */
  senderPinnedNow: boolean;
  totalBytes: number;
  /** Ciphertext bytes fetched from the relay by this process (less than total after a resume). */
  bytesFetched: number;
  receiptSent: boolean;
}

/**
 * A recipient's acknowledgement as the sender sees it.
 * @example
 * if (r.verified) markDelivered(r.recipient);
 */
export interface ReceiptStatus {
  recipient: string;
  createdAt: number;
  /** True: signed by the recipient's pinned key over this transfer's ciphertext. */
  verified: boolean;
}

/**
 * One transfer of the inbox or the sent list: the relay's view merged with local state.
 * @example
 * for (const t of await engine.inbox()) console.log(t.sender, t.size, t.local?.state);
 */
export interface TransferSummary {
  relayTransferId: string;
  direction: TransferDirection;
  sender: string;
  recipients: string[];
  size: number;
  status: 'uploading' | 'ready' | 'expired';
  createdAt: number;
  expiresAt: number;
  maxDownloads: number | null;
  downloads: number;
  receipts: ReceiptStatus[];
  /** Inbox only: the sender's trust status now. */
  senderStatus?: SenderStatus;
  /** The local record, when this profile sent or received it. */
  local: { id: string; state: TransferState; progressBytes: number; outputs: string[] } | null;
}
