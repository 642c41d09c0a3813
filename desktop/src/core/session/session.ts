import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  DataCryptError,
  fingerprint,
  generateIdentity,
  normalizeEmail,
  type SafetyNumber,
} from '@datacrypt/shared-crypto';
import { Contacts, type TrustedContact } from '../contacts/contacts.js';
import { LocalDb } from '../db/local-db.js';
import { CodedError, isCodedError } from '../errors.js';
import { ioError } from '../fs-errors.js';
import type { PassphraseProvider } from '../identity-file.js';
import { normalizeRelayUrl, type AccountRef } from '../keys/account.js';
import { exportIdentityBackup, importIdentityBackup } from '../keys/backup.js';
import type { KeyStore, KeyStoreKind, StoredIdentity } from '../keys/key-store.js';
import { openKeyStore } from '../keys/open-key-store.js';
import { ensurePrivateDir, writePrivateFile } from '../keys/private-files.js';
import { rotateIdentity } from '../keys/rotation.js';
import { decryptToDisk, type OfflineOptions } from '../offline.js';
import { RelayClient } from '../relay/relay-client.js';
import { isRelayError } from '../relay/relay-error.js';
import { InboxWatcher } from '../realtime/inbox-watcher.js';
import { watchAndReceive, type WatchCallbacks } from '../realtime/watch.js';
import { TransferEngine } from '../transfers/engine.js';
import type {
  ReceiptStatus,
  ReceiveOptions,
  ReceiveResult,
  SendOptions,
  SendResult,
  TransferHandle,
  TransferSummary,
} from '../transfers/types.js';
import type { ListQuery } from '@datacrypt/relay-server/contract';
import type { Transfer } from '../db/transfers.js';
import { ProfileState, type AccountState } from './profile-state.js';
import type {
  ContactDetail,
  ContactInfo,
  DecryptFileResult,
  IdentityInfo,
  KeyChangeResult,
  KeysInfo,
  LoginResult,
  LogoutResult,
  SafetyNumberInfo,
  SessionStatus,
} from './types.js';

/**
 * DataCryptSession: one profile folder wired together — LocalDb, KeyStore, RelayClient, Contacts
 * (and the transfer engine). The CLI and the Electron main process use only this.
 * @module
 */

/**
 * The relay a new profile talks to until `setRelay` (the relay's default port on this machine).
 * @example
 * DataCryptSession.open({ profileDir, relayUrl: DEFAULT_RELAY_URL });
 */
export const DEFAULT_RELAY_URL = 'http://localhost:8787';

/** The database file inside a profile folder. */
const DB_FILE = 'datacrypt.db';

/**
 * Options of `DataCryptSession.open`.
 * @example
 * await DataCryptSession.open({ profileDir, keyStorePassphrase: () => ask('Key store passphrase: ') });
 */
export interface DataCryptSessionOptions {
  /** The profile folder (created 0700 if missing). */
  profileDir: string;
  /**
   * The passphrase of the file KeyStore, used only where no OS keychain works (a function is
   * called only if and when needed). Without one, the file store fails with E_PASSPHRASE.
   */
  keyStorePassphrase?: string | PassphraseProvider | undefined;
  /** 'auto' (default): OS keychain when it works, else files; 'file' forces the file store. */
  keyStore?: 'auto' | 'file' | undefined;
  /** Keychain service name (default "DataCrypt"). */
  keychainService?: string | undefined;
  /** scrypt cost of the file store and of backups (default 17). Low values are for tests only. */
  scryptLog2N?: number | undefined;
  /** The relay used while the profile has none stored (default DEFAULT_RELAY_URL). */
  relayUrl?: string | undefined;
  /** Per-call relay timeout, ms (default 30 000). */
  relayTimeoutMs?: number | undefined;
}

/** A fixed error for an operation that needs an account first. */
function noAccount(): CodedError {
  return new CodedError(
    'E_NO_ACCOUNT',
    'this profile has no account yet: register or log in first',
  );
}

function identityInfo(record: StoredIdentity): IdentityInfo {
  return {
    fingerprint: record.fingerprint,
    publicIdentity: record.publicIdentity,
    createdAt: record.createdAt,
    retiredAt: record.retiredAt,
  };
}

function safetyInfo(n: SafetyNumber): SafetyNumberInfo {
  return { digits: n.digits, groups: [...n.groups], qrPayload: n.qrPayload };
}

function contactInfo(c: TrustedContact): ContactInfo {
  return {
    email: c.email,
    status: c.status,
    fingerprint: c.fingerprint,
    publicIdentity: c.publicIdentity,
    firstSeenAt: c.firstSeenAt,
    verifiedAt: c.verifiedAt,
    newFingerprint: c.pendingKey?.fingerprint ?? null,
  };
}

/**
 * The key operations of a session.
 * @example
 * const { fingerprint } = await session.keys.show();
 */
export interface SessionKeys {
  /** The current identity (E_NO_IDENTITY when there is none yet) and retired ones. */
  show(): Promise<KeysInfo>;
  /**
   * Writes the current identity, encrypted under `passphrase` (scrypt), to a new file `path`
   * (mode 0600; E_OUTPUT_EXISTS when it exists unless `force`).
   */
  backup(path: string, passphrase: string, options?: { force?: boolean }): Promise<IdentityInfo>;
  /**
   * Makes the identity in a backup file the current one (the previous one is kept, retired) and
   * publishes it when logged in (else at the next login). Works before the first login when the
   * profile knows its email (register/login tried) or `email` is given.
   */
  restore(path: string, passphrase: string, options?: { email?: string }): Promise<KeyChangeResult>;
  /** A new identity becomes current and is published; the old one is kept for old transfers. */
  rotate(): Promise<KeyChangeResult>;
}

/**
 * The contact operations of a session.
 * @example
 * await session.contacts.add('bob@example.com');
 */
export interface SessionContacts {
  /** Pins the directory's key for `email` (trust on first use, unverified); refreshes a known one. */
  add(email: string): Promise<ContactInfo>;
  /** Every contact (local data; no network). */
  list(): Promise<ContactInfo[]>;
  /** Fetches the directory's keys again (one contact or all): a changed key -> key-changed. */
  refresh(email?: string): Promise<ContactInfo[]>;
  /** The contact with the safety number, fingerprints and, for a key change, the new key. */
  show(email: string): Promise<ContactDetail>;
  /**
   * Marks the contact verified after the user compared safety numbers. With `safetyNumber`
   * (digits or the scanned QR payload) it is checked first (E_SAFETY_NUMBER). A key-changed
   * contact needs the new key's number, or `acceptKeyChange` (E_KEY_CHANGED otherwise).
   */
  verify(email: string, options?: { safetyNumber?: string }): Promise<ContactInfo>;
  /** Accepts the new key of a key-changed contact: pinned, unverified. */
  acceptKeyChange(email: string): Promise<ContactInfo>;
  /** Forgets a contact; false when there was none. */
  remove(email: string): Promise<boolean>;
}

/**
 * The transfer operations of a session (the TransferEngine of the logged-in account).
 * @example
 * const send = await session.transfers.send(['report.pdf'], ['bob@example.com']);
 * await send.done;
 */
export interface SessionTransfers {
  /**
   * Sends files and folders. Recipients who are not contacts yet are added first (their key
   * pinned on first use); every recipient's key is checked again, and a key change blocks the
   * send (E_KEY_CHANGED with old and new fingerprints) before anything is uploaded.
   */
  send(
    paths: readonly string[],
    to: readonly string[],
    options?: SendOptions,
  ): Promise<TransferHandle<SendResult>>;
  /** Downloads, verifies and decrypts one transfer of the inbox into `options.outDir`. */
  receive(relayTransferId: string, options: ReceiveOptions): Promise<TransferHandle<ReceiveResult>>;
  /** The inbox, newest first, with local state and the sender's trust status. */
  inbox(query?: ListQuery): Promise<TransferSummary[]>;
  /** The sent list, newest first, with receipts checked against pinned keys. */
  sent(query?: ListQuery): Promise<TransferSummary[]>;
  /** Receipts of one sent transfer, checked. */
  verifyReceipts(relayTransferId: string): Promise<ReceiptStatus[]>;
  /** Revokes a sent transfer on the relay (and stops it if still uploading). */
  revoke(relayTransferId: string): Promise<void>;
  /** Removes a received transfer from the inbox on the relay. */
  hide(relayTransferId: string): Promise<void>;
  /** Restarts every unfinished transfer (after a crash or kill). */
  resumePending(): Promise<(TransferHandle<SendResult> | TransferHandle<ReceiveResult>)[]>;
  /** Local transfer records of the account, newest first. */
  local(): Promise<Transfer[]>;
  /** The engine itself (logged in), for what the pass-throughs do not cover. */
  engine(): Promise<TransferEngine>;
  /**
   * The live inbox of the logged-in account (Socket.IO with catch-up), one per login, not
   * started: subscribe, then `start()`. Logout and close stop it.
   */
  watcher(): Promise<InboxWatcher>;
  /**
   * Receives every transfer as it arrives (and those already waiting) into `options.outDir`,
   * one at a time, until `stop()`. Resolves once connected and caught up.
   */
  watch(options: ReceiveOptions, callbacks?: WatchCallbacks): Promise<{ stop(): void }>;
}

/**
 * One profile: account, keys, contacts, transfers. Methods are async and fail with coded errors
 * (`CodedError`/`DataCryptError`, `err.code` like E_INVALID_CREDENTIALS, E_KEY_CHANGED).
 * Use one session per profile folder at a time.
 * @example
 * const session = await DataCryptSession.open({ profileDir });
 * await session.setRelay('https://relay.example.com');
 * await session.register('alice@example.com', password);
 * await session.verifyEmail(codeFromMail);
 * await session.login('alice@example.com', password); // generates and publishes the identity
 * await session.contacts.add('bob@example.com');
 * await session.close();
 */
export class DataCryptSession {
  readonly profileDir: string;
  readonly db: LocalDb;
  readonly keyStore: KeyStore;
  readonly keyStoreNote: string;
  /** Key operations: show, backup, restore, rotate. */
  readonly keys: SessionKeys;
  /** Contact operations: add, list, refresh, show, verify, acceptKeyChange, remove. */
  readonly contacts: SessionContacts;
  /** Transfer operations (need a login): send, receive, inbox, sent, revoke, ... */
  readonly transfers: SessionTransfers;
  private engineValue: TransferEngine | null = null;
  private watcherValue: InboxWatcher | null = null;
  private readonly state: ProfileState;
  private readonly options: DataCryptSessionOptions;
  private clientValue: RelayClient;
  private resumed = false;
  private pendingSecondFactor: { email: string; challenge: string } | null = null;
  private closed = false;

  private constructor(
    options: DataCryptSessionOptions,
    db: LocalDb,
    keyStore: { store: KeyStore; reason: string },
  ) {
    this.options = options;
    this.profileDir = options.profileDir;
    this.db = db;
    this.keyStore = keyStore.store;
    this.keyStoreNote = keyStore.reason;
    this.state = new ProfileState(db.settings);
    this.clientValue = this.makeClient(
      this.state.relayUrl() ?? normalizeRelayUrl(options.relayUrl ?? DEFAULT_RELAY_URL),
    );
    this.keys = {
      show: () => this.keysShow(),
      backup: (path, passphrase, o) => this.keysBackup(path, passphrase, o),
      restore: (path, passphrase, o) => this.keysRestore(path, passphrase, o),
      rotate: () => this.keysRotate(),
    };
    this.contacts = {
      add: async (email) => contactInfo(await (await this.contactBook()).addContact(email)),
      list: async () => (await this.contactBook()).list().map(contactInfo),
      refresh: (email) => this.contactsRefresh(email),
      show: (email) => this.contactsShow(email),
      verify: (email, o) => this.contactsVerify(email, o),
      acceptKeyChange: async (email) => contactInfo((await this.contactBook()).acceptNewKey(email)),
      remove: (email) => this.contactsRemove(email),
    };
    this.transfers = {
      send: (paths, to, o) => this.send(paths, to, o),
      receive: async (id, o) => (await this.engine()).receive(id, o),
      inbox: async (q) => (await this.engine()).inbox(q),
      sent: async (q) => (await this.engine()).sent(q),
      verifyReceipts: async (id) => (await this.engine()).verifyReceipts(id),
      revoke: async (id) => {
        await (await this.engine()).revoke(id);
      },
      hide: async (id) => {
        await (await this.engine()).hide(id);
      },
      resumePending: async () => (await this.engine()).resumePending(),
      local: async () => (await this.engine()).localTransfers(),
      engine: () => this.engine(),
      watcher: () => this.watcher(),
      watch: (o, callbacks) => this.watch(o, callbacks),
    };
  }

  private async watcher(): Promise<InboxWatcher> {
    await this.engine();
    if (this.watcherValue !== null) return this.watcherValue;
    const watcher = new InboxWatcher({
      relay: this.clientValue,
      db: this.db,
      accountId: this.dbAccountId(),
    });
    this.watcherValue = watcher;
    return watcher;
  }

  private async watch(
    options: ReceiveOptions,
    callbacks: WatchCallbacks = {},
  ): Promise<{ stop(): void }> {
    const engine = await this.engine();
    const watcher = await this.watcher();
    const accountId = this.dbAccountId();
    // A catch-up replays `transfer:new` of transfers received before: not a failure.
    const alreadyReceived = (relayTransferId: string): boolean =>
      this.db.transfers.findByRelayId(accountId, 'receive', relayTransferId)?.state === 'completed';
    const stop = watchAndReceive(engine, watcher, options, {
      ...callbacks,
      onStart: (id) => {
        if (!alreadyReceived(id)) callbacks.onStart?.(id);
      },
      onError: (id, error) => {
        if (isCodedError(error, 'E_TRANSFER_STATE') && alreadyReceived(id)) return;
        callbacks.onError?.(id, error);
      },
    });
    try {
      await watcher.start();
    } catch (error) {
      stop();
      throw error;
    }
    return { stop };
  }

  /** The TransferEngine of the logged-in account (created once per login). */
  private async engine(): Promise<TransferEngine> {
    await this.ready();
    const email = this.requireLoggedIn();
    if (this.engineValue !== null) return this.engineValue;
    const ref = this.ref(email);
    const engine = new TransferEngine({
      db: this.db,
      accountId: this.dbAccountId(),
      relay: this.clientValue,
      // No await between the check above and the assignment below: one engine per login.
      contacts: this.makeContacts(),
      identities: async () => (await this.keyStore.all(ref)).map((r) => r.identity),
      profileDir: this.profileDir,
    });
    this.engineValue = engine;
    return engine;
  }

  private async dropEngine(): Promise<void> {
    const engine = this.engineValue;
    const watcher = this.watcherValue;
    this.engineValue = null;
    this.watcherValue = null;
    if (watcher !== null) await watcher.stop();
    if (engine !== null) await engine.close();
  }

  private async send(
    paths: readonly string[],
    to: readonly string[],
    options: SendOptions = {},
  ): Promise<TransferHandle<SendResult>> {
    const engine = await this.engine();
    const book = await this.contactBook();
    for (const email of to) {
      if (book.get(email) === null) await book.addContact(email);
    }
    return engine.send(paths, to, options);
  }

  /**
   * Opens (creating if needed) the profile: its LocalDb and its KeyStore (the OS keychain, or
   * passphrase-encrypted files where none works: `keyStoreNote` says which and why).
   * @example
   * const session = await DataCryptSession.open({ profileDir: defaultProfileDir() });
   */
  static async open(options: DataCryptSessionOptions): Promise<DataCryptSession> {
    try {
      await ensurePrivateDir(options.profileDir);
    } catch (error) {
      throw ioError(error, `cannot create the profile folder ${options.profileDir}`);
    }
    const db = LocalDb.open(join(options.profileDir, DB_FILE));
    try {
      const passphrase: string | PassphraseProvider =
        options.keyStorePassphrase ??
        ((): Promise<string> =>
          Promise.reject(
            new DataCryptError(
              'E_PASSPHRASE',
              'no OS keychain: the key store files need a passphrase (DATACRYPT_KEYSTORE_PASSPHRASE)',
            ),
          ));
      const opened = await openKeyStore({
        profileDir: options.profileDir,
        passphrase,
        ...(options.keyStore === undefined ? {} : { prefer: options.keyStore }),
        ...(options.keychainService === undefined ? {} : { service: options.keychainService }),
        ...(options.scryptLog2N === undefined ? {} : { scryptLog2N: options.scryptLog2N }),
      });
      return new DataCryptSession(options, db, opened);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  private makeClient(relayUrl: string): RelayClient {
    return new RelayClient({
      relayUrl,
      keyStore: this.keyStore,
      timeoutMs: this.options.relayTimeoutMs,
    });
  }

  /** The relay client of the session (for the transfer engine and diagnostics). */
  get relay(): RelayClient {
    return this.clientValue;
  }

  /** The relay URL in use. */
  get relayUrl(): string {
    return this.clientValue.relayUrl;
  }

  /** Which KeyStore adapter holds the keys. */
  get keyStoreKind(): KeyStoreKind {
    return this.keyStore.kind;
  }

  /** Resumes the stored session once (the refresh token in the KeyStore). */
  private async ready(): Promise<void> {
    if (this.closed) throw new CodedError('E_CLOSED', 'the session is closed');
    if (this.resumed) return;
    const account = this.state.account();
    if (account !== null && this.clientValue.email === null) {
      await this.clientValue.resume(account.email);
    }
    this.resumed = true;
  }

  private ref(email: string): AccountRef {
    return { relayUrl: this.clientValue.relayUrl, email: normalizeEmail(email) };
  }

  private requireAccount(): AccountState {
    const account = this.state.account();
    if (account === null) throw noAccount();
    return account;
  }

  private async requireIdentity(): Promise<StoredIdentity> {
    const account = this.requireAccount();
    const current = await this.keyStore.current(this.ref(account.email));
    if (current === null) {
      throw new CodedError(
        'E_NO_IDENTITY',
        `no identity for ${account.email} yet: log in (it is created then) or restore a backup`,
      );
    }
    return current;
  }

  private requireLoggedIn(): string {
    const email = this.clientValue.email;
    if (email === null) {
      throw new CodedError('E_NOT_LOGGED_IN', 'not logged in: run account login first');
    }
    return email;
  }

  /** The LocalDb account row of the profile's account (created if missing). */
  private dbAccountId(): number {
    const account = this.requireAccount();
    return this.db.accounts.upsert({ relayUrl: this.clientValue.relayUrl, email: account.email })
      .id;
  }

  private async contactBook(): Promise<Contacts> {
    await this.ready();
    return this.makeContacts();
  }

  /** A Contacts of the account (synchronous: callers check state without awaiting in between). */
  private makeContacts(): Contacts {
    const accountId = this.dbAccountId();
    return new Contacts({
      db: this.db,
      accountId,
      directory: this.clientValue,
      me: async () => (await this.requireIdentity()).publicIdentity,
    });
  }

  /** Remembers the account, starting over when the email differs from the stored one. */
  private adoptAccount(email: string, verified: boolean): AccountState {
    const normalized = normalizeEmail(email);
    const current = this.state.account();
    const next: AccountState =
      current?.email === normalized
        ? { ...current, verified: current.verified || verified }
        : { email: normalized, verified, totpEnabled: false, publishedFingerprint: null };
    this.state.setAccount(next);
    return next;
  }

  /**
   * The relay, account, KeyStore and identity of the profile. No network call.
   * @example
   * const { relayUrl, account, keyStore, fingerprint } = await session.status();
   */
  async status(): Promise<SessionStatus> {
    await this.ready();
    const account = this.state.account();
    const out: SessionStatus = {
      profileDir: this.profileDir,
      relayUrl: this.clientValue.relayUrl,
      keyStore: this.keyStore.kind,
      keyStoreNote: this.keyStoreNote,
    };
    if (account !== null) {
      out.account = {
        email: account.email,
        verified: account.verified,
        loggedIn: this.clientValue.email === account.email,
        totpEnabled: account.totpEnabled,
      };
      const current = await this.keyStore.current(this.ref(account.email));
      if (current !== null) {
        out.fingerprint = current.fingerprint;
        out.publicIdentity = current.publicIdentity;
      }
    }
    return out;
  }

  /**
   * Switches the profile to another relay (normalized URL, E_ARGUMENT when invalid). The account
   * state starts over (accounts are per relay); keys stay in the KeyStore under the old relay.
   * @example
   * await session.setRelay('https://relay.example.com');
   */
  async setRelay(url: string): Promise<{ relayUrl: string }> {
    const relayUrl = normalizeRelayUrl(url);
    if (relayUrl === this.clientValue.relayUrl) {
      this.state.setRelayUrl(relayUrl);
      return { relayUrl };
    }
    this.state.setRelayUrl(relayUrl);
    this.state.clearAccount();
    await this.dropEngine();
    this.clientValue = this.makeClient(relayUrl);
    this.resumed = false;
    this.pendingSecondFactor = null;
    return { relayUrl };
  }

  /**
   * Creates the account on the relay, which mails a verification code (`verifyEmail`).
   * @example
   * await session.register('alice@example.com', password);
   */
  async register(email: string, password: string): Promise<void> {
    await this.ready();
    await this.clientValue.register(email, password);
    this.adoptAccount(email, false);
  }

  /**
   * Confirms the account's email with the mailed 6-digit code (E_CODE_INVALID when wrong).
   * `email` names the account when this profile did not register it.
   * @example
   * await session.verifyEmail('123456');
   */
  async verifyEmail(code: string, email?: string): Promise<void> {
    await this.ready();
    if (email !== undefined) this.adoptAccount(email, false);
    const account = this.requireAccount();
    await this.clientValue.verifyOtp(account.email, code.trim());
    this.state.patchAccount({ verified: true });
  }

  /**
   * Asks the relay to mail a new verification code (`email`: as for verifyEmail).
   * @example
   * await session.resendCode();
   */
  async resendCode(email?: string): Promise<void> {
    await this.ready();
    if (email !== undefined) this.adoptAccount(email, false);
    await this.clientValue.sendOtp(this.requireAccount().email);
  }

  /**
   * Logs in. On the first login of this profile the identity is created (in the KeyStore) and
   * published; an identity restored or rotated while logged out is published now. With two-factor
   * login on, finish with `loginSecondFactor`.
   * @example
   * const result = await session.login('alice@example.com', password);
   */
  async login(email: string, password: string): Promise<LoginResult> {
    await this.ready();
    const ref = this.ref(email);
    this.pendingSecondFactor = null;
    await this.dropEngine();
    // The relay session's refresh token is stored with the identity, so one must exist first.
    const created = (await this.keyStore.current(ref)) === null;
    if (created) await this.keyStore.setCurrent(ref, generateIdentity());
    let outcome;
    try {
      outcome = await this.clientValue.login(ref.email, password);
    } catch (error) {
      if (created) await this.keyStore.deleteAccount(ref).catch(() => false);
      throw error;
    }
    this.adoptAccount(ref.email, true);
    if (outcome.status === 'totp_required') {
      this.pendingSecondFactor = { email: outcome.email, challenge: outcome.challenge };
      return { status: 'second-factor-required' };
    }
    await this.afterLogin();
    return { status: 'ok' };
  }

  /**
   * The second login step: a 6-digit TOTP code or a recovery code (`xxxxx-xxxxx`). E_STATE when
   * no login is waiting for one.
   * @example
   * await session.loginSecondFactor('123456');
   */
  async loginSecondFactor(code: string): Promise<LoginResult> {
    await this.ready();
    const pending = this.pendingSecondFactor;
    if (pending === null) {
      throw new CodedError('E_STATE', 'no login is waiting for a second factor: log in first');
    }
    const text = code.trim();
    const factor = /^\d{6}$/u.test(text) ? { code: text } : { recoveryCode: text.toLowerCase() };
    await this.clientValue.loginTotp(pending, factor);
    this.pendingSecondFactor = null;
    await this.afterLogin();
    return { status: 'ok' };
  }

  private async afterLogin(): Promise<void> {
    const me = await this.clientValue.me();
    this.db.accounts.upsert({
      relayUrl: this.clientValue.relayUrl,
      email: me.email,
      userId: me.id,
    });
    this.state.patchAccount({ totpEnabled: me.totpEnabled, verified: true });
    await this.publishIfNeeded();
  }

  /** Publishes the current identity when it is not the one last published. */
  private async publishIfNeeded(): Promise<boolean> {
    const account = this.requireAccount();
    if (this.clientValue.email !== account.email) return false;
    const current = await this.requireIdentity();
    if (account.publishedFingerprint === current.fingerprint) return false;
    await this.clientValue.publishKey(current.identity, { createdAt: Date.now() });
    this.state.patchAccount({ publishedFingerprint: current.fingerprint });
    return true;
  }

  /**
   * Ends the session on the relay and forgets it locally (also when the relay is unreachable).
   * @example
   * await session.logout();
   */
  async logout(): Promise<LogoutResult> {
    await this.ready();
    this.pendingSecondFactor = null;
    await this.dropEngine();
    try {
      await this.clientValue.logout();
      return { endedOnRelay: true };
    } catch (error) {
      if (isRelayError(error, 'E_NETWORK')) return { endedOnRelay: false };
      throw error;
    }
  }

  /**
   * Starts two-factor enrolment: the `otpauth://` URL (show as a QR code) and the secret.
   * @example
   * const { otpauthUrl } = await session.totpSetup();
   */
  async totpSetup(): Promise<{ otpauthUrl: string; secret: string }> {
    await this.ready();
    this.requireLoggedIn();
    const { otpauthUrl, secret } = await this.clientValue.totpSetup();
    return { otpauthUrl, secret };
  }

  /**
   * Confirms enrolment with a current code; returns the one-time recovery codes.
   * @example
   * const recoveryCodes = await session.totpEnable('123456');
   */
  async totpEnable(code: string): Promise<string[]> {
    await this.ready();
    this.requireLoggedIn();
    const codes = await this.clientValue.totpEnable(code.trim());
    this.state.patchAccount({ totpEnabled: true });
    return codes;
  }

  /**
   * Turns two-factor login off (password and a current code).
   * @example
   * await session.totpDisable(password, '123456');
   */
  async totpDisable(password: string, code: string): Promise<void> {
    await this.ready();
    this.requireLoggedIn();
    await this.clientValue.totpDisable(password, code.trim());
    this.state.patchAccount({ totpEnabled: false });
  }

  /**
   * Changes the password (every other session of the account ends).
   * @example
   * await session.changePassword(oldPassword, newPassword);
   */
  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    await this.ready();
    this.requireLoggedIn();
    await this.clientValue.changePassword(currentPassword, newPassword);
  }

  private async keysShow(): Promise<KeysInfo> {
    await this.ready();
    const account = this.requireAccount();
    const current = await this.requireIdentity();
    const all = await this.keyStore.all(this.ref(account.email));
    return {
      fingerprint: current.fingerprint,
      publicIdentity: current.publicIdentity,
      createdAt: current.createdAt,
      publishedFingerprint: account.publishedFingerprint,
      keyStore: this.keyStore.kind,
      retired: all.filter((r) => r.retiredAt !== null).map(identityInfo),
    };
  }

  private async keysBackup(
    path: string,
    passphrase: string,
    options: { force?: boolean } = {},
  ): Promise<IdentityInfo> {
    await this.ready();
    if (passphrase === '') throw new DataCryptError('E_PASSPHRASE', 'the passphrase is empty');
    const current = await this.requireIdentity();
    if (options.force !== true && (await exists(path))) {
      throw new DataCryptError('E_OUTPUT_EXISTS', `${path} already exists`);
    }
    const text = await exportIdentityBackup(
      current.identity,
      passphrase,
      this.options.scryptLog2N === undefined ? {} : { scryptLog2N: this.options.scryptLog2N },
    );
    try {
      await writePrivateFile(path, text);
    } catch (error) {
      throw ioError(error, `cannot write ${path} (does ${dirname(path)} exist?)`);
    }
    return identityInfo(current);
  }

  private async keysRestore(
    path: string,
    passphrase: string,
    options: { email?: string } = {},
  ): Promise<KeyChangeResult> {
    await this.ready();
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw ioError(error, `cannot read ${path}`);
    }
    const identity = await importIdentityBackup(text, passphrase);
    if (options.email !== undefined) this.adoptAccount(options.email, false);
    const account = this.requireAccount();
    const ref = this.ref(account.email);
    const previous = await this.keyStore.current(ref);
    const current = await this.keyStore.setCurrent(ref, identity);
    const published = await this.publishIfNeeded();
    const retired =
      previous === null || previous.fingerprint === current.fingerprint
        ? null
        : ((await this.keyStore.all(ref)).find((r) => r.fingerprint === previous.fingerprint) ??
          null);
    return {
      current: identityInfo(current),
      previous: retired === null ? null : identityInfo(retired),
      published,
    };
  }

  private async keysRotate(): Promise<KeyChangeResult> {
    await this.ready();
    const account = this.requireAccount();
    await this.requireIdentity();
    const { current, retired } = await rotateIdentity(this.keyStore, this.ref(account.email));
    const published = await this.publishIfNeeded();
    return {
      current: identityInfo(current),
      previous: retired === null ? null : identityInfo(retired),
      published,
    };
  }

  private async contactsRefresh(email?: string): Promise<ContactInfo[]> {
    const book = await this.contactBook();
    const emails = email === undefined ? book.list().map((c) => c.email) : [email];
    const out: ContactInfo[] = [];
    for (const e of emails) out.push(contactInfo(await book.refresh(e)));
    return out;
  }

  private async contactsShow(email: string): Promise<ContactDetail> {
    const book = await this.contactBook();
    const contact = book.get(email);
    if (contact === null) {
      throw new DataCryptError('E_ARGUMENT', `${normalizeEmail(email)} is not a contact`);
    }
    const me = await this.requireIdentity();
    const pinned = await book.safetyNumber(contact.email);
    const keyChange =
      contact.pendingKey === null
        ? null
        : {
            oldFingerprint: contact.fingerprint,
            newFingerprint: contact.pendingKey.fingerprint,
            safetyNumber: safetyInfo(await book.safetyNumber(contact.email, { key: 'pending' })),
          };
    return {
      contact: contactInfo(contact),
      myFingerprint: me.fingerprint,
      safetyNumber: safetyInfo(pinned),
      keyChange,
    };
  }

  private async contactsVerify(
    email: string,
    options: { safetyNumber?: string } = {},
  ): Promise<ContactInfo> {
    const book = await this.contactBook();
    if (options.safetyNumber !== undefined) {
      return contactInfo(await book.markVerified(email, { safetyNumber: options.safetyNumber }));
    }
    // No number given: the user confirms they compared the pinned key's number. That cannot
    // settle a key change (which key did they compare?), so that needs the number or an accept.
    const contact = book.assertCanSendTo(email);
    const pinned = await book.safetyNumber(contact.email);
    return contactInfo(await book.markVerified(contact.email, { safetyNumber: pinned.digits }));
  }

  private async contactsRemove(email: string): Promise<boolean> {
    const book = await this.contactBook();
    const contact = book.get(email);
    return contact === null ? false : this.db.contacts.delete(contact.id);
  }

  /**
   * Decrypts a saved `.dcrypt` file with the account's identities (current, then retired ones)
   * — no network. The output is released only after full verification; the signer is looked up
   * among the contacts.
   * @example
   * const { outputs, senderStatus } = await session.decryptFile('report.pdf.dcrypt', 'out/');
   */
  async decryptFile(
    source: string,
    outputPath: string,
    options: OfflineOptions = {},
  ): Promise<DecryptFileResult> {
    await this.ready();
    const account = this.requireAccount();
    const identities = await this.keyStore.all(this.ref(account.email));
    if (identities.length === 0) await this.requireIdentity();
    let lastError: DataCryptError | null = null;
    for (const record of identities) {
      try {
        const result = await decryptToDisk(
          source,
          outputPath,
          { identity: record.identity, expectedSender: null },
          options,
        );
        const book = await this.contactBook();
        const { status, contact } = book.senderStatus(result.sender);
        return {
          outputs: result.outputs,
          senderFingerprint: fingerprint(result.sender),
          senderStatus: status,
          senderEmail: contact?.email ?? null,
        };
      } catch (error) {
        if (!isNotRecipient(error)) throw error;
        lastError = error;
      }
    }
    throw lastError ?? new DataCryptError('E_NOT_RECIPIENT');
  }

  /**
   * Closes the database (the session cannot be used afterwards).
   * @example
   * await session.close();
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.dropEngine();
    } finally {
      this.db.close();
    }
  }
}

function isNotRecipient(error: unknown): error is DataCryptError {
  return error instanceof DataCryptError && error.code === 'E_NOT_RECIPIENT';
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
