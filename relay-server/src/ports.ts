import type { Readable } from 'node:stream';
import type {
  AuditEventType,
  KeyPublicationBody,
  RealtimeEventName,
  Role,
} from './contract/index.js';

export interface Account {
  id: string;
  email: string;
  passwordHash: string;
  role: Role;
  verified: boolean;
  createdAt: number;
  /** Sealed with the server key; see services/seal.ts. */
  totpSecret: string | null;
  totpPendingSecret: string | null;
  /** Last accepted TOTP time step; a code is accepted once, never replayed. */
  totpLastStep: number | null;
  verifyCodeHash: string | null;
  verifyCodeExpiresAt: number | null;
  verifyCodeAttempts: number;
  /** Mail me when a transfer arrives; absent means yes (the default). */
  emailOnNewTransfer?: boolean;
}

export interface AccountStore {
  /** Returns false when the email is already taken (emails are unique). */
  create(account: Account): Promise<boolean>;
  byEmail(email: string): Promise<Account | undefined>;
  byId(id: string): Promise<Account | undefined>;
  update(id: string, patch: Partial<Omit<Account, 'id' | 'email' | 'createdAt'>>): Promise<void>;
  list(limit: number, offset: number): Promise<Account[]>;
  setRecoveryCodes(userId: string, codeHashes: string[]): Promise<void>;
  /** Atomically spends one recovery code; false if unknown or already spent. */
  consumeRecoveryCode(userId: string, codeHash: string): Promise<boolean>;
  /**
   * Atomically records `step` as the last accepted TOTP time step, only if it is later than the
   * one recorded; false otherwise (a replayed or older code). Of concurrent calls with the same
   * step exactly one succeeds.
   */
  consumeTotpStep(accountId: string, step: number): Promise<boolean>;
  /**
   * Atomically counts one guess at the mailed verification code whose hash is `codeHash`, only
   * while fewer than `max` were counted for it; false when the code is used up or was replaced.
   */
  claimVerifyCodeAttempt(accountId: string, codeHash: string, max: number): Promise<boolean>;
}

export type RefreshConsumeResult =
  | { kind: 'ok'; userId: string; familyId: string }
  | { kind: 'reused'; userId: string; familyId: string }
  | { kind: 'invalid' };

export interface TokenStore {
  createFamily(familyId: string, userId: string, now: number): Promise<void>;
  isFamilyActive(familyId: string): Promise<boolean>;
  revokeFamily(familyId: string, now: number): Promise<void>;
  revokeAllFamilies(userId: string, now: number): Promise<void>;
  insertRefresh(token: {
    hash: string;
    familyId: string;
    userId: string;
    expiresAt: number;
  }): Promise<void>;
  /** Marks the token spent exactly once; a second call for the same hash reports reuse. */
  consumeRefresh(hash: string, now: number): Promise<RefreshConsumeResult>;
  /**
   * Adds a hit unless `max` hits are already inside the window; false, adding nothing, when they
   * are. Atomic: of any number of concurrent calls, at most as many succeed as there was room.
   * Reserve the attempt with this before checking a guess, so a burst cannot outrun the limit.
   */
  tryAttempt(key: string, now: number, windowMs: number, max: number): Promise<boolean>;
  clearAttempts(key: string): Promise<void>;
}

export interface KeyRecord {
  publication: KeyPublicationBody;
  fingerprint: string;
  publishedAt: number;
}

export interface KeyDirectory {
  publish(userId: string, record: KeyRecord): Promise<void>;
  /** Oldest first. Empty when the email has no key (or no account). */
  history(email: string): Promise<KeyRecord[]>;
  /** The subset of `emails` that have a current key. */
  withKeys(emails: readonly string[]): Promise<Set<string>>;
}

export interface RecipientRecord {
  userId: string;
  email: string;
  hidden: boolean;
  downloadedAt: number | null;
  receipt: { signature: string; createdAt: number } | null;
}

export interface TransferRecord {
  id: string;
  senderId: string;
  senderEmail: string;
  size: number;
  partSize: number;
  partCount: number;
  status: 'uploading' | 'ready';
  /**
   * Blob delete pending: set before the blob is deleted and cleared (or the record removed) only
   * after it is gone, so a crash or a failing store leaves work the sweeper retries.
   */
  deleting: boolean;
  /** Revoked by the sender: never served again; kept as a tombstone (410) until it expires. */
  revokedAt: number | null;
  /** Finalize has begun: part writes are refused from then on (uploads only). */
  finalizingAt: number | null;
  createdAt: number;
  finalizedAt: number | null;
  expiresAt: number;
  maxDownloads: number | null;
  downloads: number;
  blobHandle: string | null;
  recipients: RecipientRecord[];
}

export interface PartRecord {
  n: number;
  size: number;
  sha256: string;
  etag: string;
}

export interface TransferFilter {
  limit: number;
  offset: number;
  status?: 'uploading' | 'ready' | 'expired' | undefined;
  q?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  minSize?: number | undefined;
  maxSize?: number | undefined;
}

export interface TransferStore {
  /**
   * Inserts the record; with `quotaBytes`, only if the sender's `usedBytes` plus its size stays
   * within it (false, inserting nothing, otherwise). Atomic: concurrent creates cannot together
   * overshoot the quota.
   */
  create(transfer: TransferRecord, quotaBytes?: number): Promise<boolean>;
  get(id: string): Promise<TransferRecord | undefined>;
  /**
   * Records (or replaces) a part; false, recording nothing, unless the transfer is uploading, not
   * finalizing, not revoked and not marked deleting. Atomic with respect to `beginFinalize`,
   * `revoke`, `markDeleting` and `remove`: a part recorded while this returns true is seen by
   * finalize and removed with the transfer.
   */
  putPart(transferId: string, part: PartRecord): Promise<boolean>;
  parts(transferId: string): Promise<PartRecord[]>;
  /**
   * Closes an upload to part writes (sets `finalizingAt`); false when it is not uploading, already
   * finalizing, revoked or marked deleting.
   */
  beginFinalize(transferId: string, now: number): Promise<boolean>;
  /** finalizing -> ready; false when the transfer was not finalizing (or is revoked/deleting). */
  finalize(transferId: string, now: number): Promise<boolean>;
  /** Recipients see only ready, unexpired-or-expired, non-hidden, non-deleting transfers. */
  listInbox(
    userId: string,
    filter: TransferFilter,
    now: number,
  ): Promise<{ items: TransferRecord[]; total: number }>;
  listSent(
    userId: string,
    filter: TransferFilter,
    now: number,
  ): Promise<{ items: TransferRecord[]; total: number }>;
  /** Counts a new download unless the limit is reached; false when it is. */
  recordDownload(transferId: string, recipientId: string, now: number): Promise<boolean>;
  setReceipt(
    transferId: string,
    recipientId: string,
    signature: string,
    now: number,
  ): Promise<boolean>;
  hide(transferId: string, recipientId: string): Promise<boolean>;
  markDeleting(transferId: string): Promise<void>;
  /** Sets `revokedAt` and marks the blob for deletion, in one write; false if already revoked. */
  revoke(transferId: string, now: number): Promise<boolean>;
  /**
   * After a revoked transfer's blob is gone: clears `deleting` and drops its parts, keeping the
   * record as a tombstone until it expires.
   */
  keepTombstone(transferId: string): Promise<void>;
  remove(transferId: string): Promise<void>;
  /** Transfers to purge: marked deleting, expired, or abandoned uploads created before `staleBefore`. */
  sweepable(now: number, staleBefore: number, limit: number): Promise<TransferRecord[]>;
  /**
   * Ciphertext bytes held for the user: the declared size of every transfer not revoked or marked
   * deleting (reserved while uploading, equal to the stored bytes once finalized; expired ones
   * count until the sweeper removes them).
   */
  usedBytes(userId: string): Promise<number>;
  /** Resolves when the record store answers a trivial query; rejects when it cannot (`/readyz`). */
  ping(): Promise<void>;
}

export interface AuditRecord {
  userId: string;
  type: AuditEventType;
  at: number;
  ip: string | null;
  transferId: string | null;
}

export interface AuditLog {
  append(entry: AuditRecord): Promise<void>;
  /** Newest first. */
  list(userId: string, limit: number, offset: number): Promise<AuditRecord[]>;
}

export interface BlobLayout {
  size: number;
  partSize: number;
  partCount: number;
}

/**
 * Thrown by every BlobStore when a part's bytes do not match its declared size or SHA-256: part of
 * the port's contract, so routes can answer it without knowing the adapter.
 */
export class BlobIntegrityError extends Error {
  constructor(
    readonly reason: 'size' | 'checksum',
    message: string,
  ) {
    super(message);
    this.name = 'BlobIntegrityError';
  }
}

export interface BlobStore {
  /** Starts a multipart object; the returned handle (e.g. an S3 upload id) is kept with the record. */
  begin(key: string): Promise<string | null>;
  /**
   * Stores part `n`. The body is verified against `expected` while streaming; a mismatch
   * rejects and leaves no visible part. Re-putting a part replaces it.
   */
  putPart(
    key: string,
    handle: string | null,
    n: number,
    body: Readable,
    expected: { size: number; sha256: string },
  ): Promise<{ etag: string }>;
  complete(
    key: string,
    handle: string | null,
    parts: readonly { n: number; etag: string }[],
    layout: BlobLayout,
  ): Promise<void>;
  /**
   * Removes the version `etag` of part n that a part upload stored but could not record (the
   * upload was closed by finalize meanwhile), never another version. Optional: a store with one
   * slot per part number (S3) relies on `complete` naming the recorded etags instead.
   */
  discardPart?(key: string, handle: string | null, n: number, etag: string): Promise<void>;
  /**
   * Streams a stored part (the version `etag` a part upload returned) from byte `start` of the
   * part, before or after `complete`. Optional: only stores whose parts can be read before the
   * object is complete have it (not S3 multipart uploads); it is what lets recipients download a
   * transfer while it is still being uploaded.
   */
  readStoredPart?(key: string, n: number, etag: string, start: number): Promise<Readable>;
  /** Streams bytes [start, end] inclusive of a completed object. */
  read(key: string, layout: BlobLayout, start: number, end: number): Promise<Readable>;
  /** Removes the object and any uploaded parts; succeeds when nothing is there. */
  delete(key: string, handle: string | null): Promise<void>;
  /**
   * Resolves when the store can be reached (`/readyz`). Every adapter implements it; optional so
   * test doubles that wrap a store need not.
   */
  ping?(): Promise<void>;
  close(): Promise<void>;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  /** Human-readable destination for the start-up banner, e.g. the outbox folder. */
  describe(): string;
  /**
   * Resolves when mail can be handed over (`/readyz`): the SMTP server answers, the outbox folder
   * is writable. Every adapter implements it; optional so test doubles need not.
   */
  ping?(): Promise<void>;
  close(): Promise<void>;
}

/** One event as logged for one user: the client payload without its cursor. */
export interface EventLogEntry {
  cursor: string;
  event: RealtimeEventName;
  payload: Record<string, unknown>;
  at: number;
}

/**
 * Per-user log of realtime events, so a client that was offline catches up by cursor. Cursors are
 * decimal strings, increasing per user in the order `after` returns them; an event is readable
 * by `after` before `append` resolves, and never appears behind a cursor already handed out.
 */
export interface EventLog {
  /** Logs the event once per user; returns each user's new cursor, in `userIds` order. */
  append(
    userIds: readonly string[],
    event: RealtimeEventName,
    payload: Record<string, unknown>,
    at: number,
  ): Promise<string[]>;
  /** The user's events after `cursor` (from the start when null), oldest first. */
  after(userId: string, cursor: string | null, limit: number): Promise<EventLogEntry[]>;
  /** Deletes events logged before `before`; returns how many went. */
  prune(before: number): Promise<number>;
}

export interface KeyWatch {
  watcherId: string;
  subjectId: string;
}

/**
 * Who is told when a user's key changes: users who share a transfer with them or looked their key
 * up while signed in. Pairs are remembered until `prune` drops them.
 */
export interface KeyWatchers {
  /**
   * Records that each `watcherId` cares about its `subjectId`'s key, all in one write (idempotent;
   * refreshes `at`; a pair of a user with themself is ignored).
   */
  watch(pairs: readonly KeyWatch[], at: number): Promise<void>;
  /** Users watching `subjectId`, excluding `subjectId` itself. */
  watchersOf(subjectId: string): Promise<string[]>;
}

/**
 * A named, expiring lock shared by all relay instances. `acquire` takes a free or expired lease,
 * or extends one `holder` already has; a crashed holder's lease lapses after `ttlMs`.
 */
export interface LeaseStore {
  acquire(name: string, holder: string, ttlMs: number, now: number): Promise<boolean>;
  /** Gives the lease up only if `holder` still holds it. */
  release(name: string, holder: string): Promise<void>;
}
