/**
 * The state one app instance keeps around its DataCryptSession: the open session (reopened when
 * the file key store is unlocked), the host's own small settings (notifications, backup prompt,
 * which inbox items were seen), a `.dcrypt` file waiting to be shown, the outgoing event hub.
 * Shared by Electron main and the web host; no Electron here.
 * @module
 */
import type {
  ConnectionState,
  KeyStoreInfo,
  Settings,
  SettingsPatch,
  EventName,
  EventPayload,
} from '#shared';
import { CodedError, isCodedError } from '../core/errors.js';
import { DataCryptSession } from '../core/session/index.js';
import type { JsonValue } from '../core/db/values.js';
import type { HostLog } from './dispatcher.js';
import { Background } from './background.js';
import { EventHub } from './event-hub.js';
import type { HostPlatform } from './platform.js';

/**
 * Options of `HostRuntime.open`.
 * @example
 * await HostRuntime.open({ profileDir, platform, log: console, defaultDownloadDir: '/home/me' });
 */
export interface HostRuntimeOptions {
  profileDir: string;
  /** The relay used while the profile has none stored. */
  relayUrl?: string | undefined;
  /** The file key store's passphrase when known up front (e.g. DATACRYPT_KEYSTORE_PASSPHRASE). */
  keyStorePassphrase?: string | undefined;
  /** 'auto' (default): OS keychain when it works, else files; 'file' forces the file store. */
  keyStore?: 'auto' | 'file' | undefined;
  /** scrypt cost of the file store and backups (tests only lower it). */
  scryptLog2N?: number | undefined;
  platform: HostPlatform;
  log: HostLog;
  /** Suggested folder for downloads. */
  defaultDownloadDir: string;
}

const SETTINGS_KEY = 'host.settings';
const BACKUP_KEY = 'host.backupHandledFor';
const SEEN_KEY = 'host.seenInbox';
/** How many seen inbox ids are remembered (older ones have expired on the relay long since). */
const MAX_SEEN = 500;

const DEFAULT_SETTINGS: Settings = {
  notifications: { newTransfers: true, receipts: true },
  downloadFolder: null,
  keepEncryptedCopy: false,
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readSettings(value: JsonValue | undefined): Settings {
  if (!isRecord(value)) return structuredClone(DEFAULT_SETTINGS);
  const n = isRecord(value['notifications']) ? value['notifications'] : {};
  return {
    notifications: {
      newTransfers:
        typeof n['newTransfers'] === 'boolean'
          ? n['newTransfers']
          : DEFAULT_SETTINGS.notifications.newTransfers,
      receipts:
        typeof n['receipts'] === 'boolean'
          ? n['receipts']
          : DEFAULT_SETTINGS.notifications.receipts,
    },
    downloadFolder: typeof value['downloadFolder'] === 'string' ? value['downloadFolder'] : null,
    keepEncryptedCopy:
      typeof value['keepEncryptedCopy'] === 'boolean' ? value['keepEncryptedCopy'] : false,
  };
}

/** The error of a call that needs the file key store's passphrase first. */
export function lockedError(): CodedError {
  return new CodedError(
    'E_KEYSTORE_LOCKED',
    'this computer has no usable keychain, so your keys are kept in files protected by a ' +
      'passphrase: enter it first',
  );
}

/**
 * One running app instance around one profile.
 * @example
 * const host = await HostRuntime.open(options);
 * const session = host.session();
 * host.events.emit('inbox:unread', { count: host.unreadCount([]) });
 */
export class HostRuntime {
  readonly events: EventHub;
  readonly platform: HostPlatform;
  readonly log: HostLog;
  readonly profileDir: string;
  readonly defaultDownloadDir: string;
  /** A login is waiting for its second factor. */
  secondFactorPending = false;
  /** The live inbox and resumed transfers while logged in. */
  readonly background: Background;
  private current: DataCryptSession;
  private passphrase: string | null;
  private pendingOpenFile: string | null = null;
  private connectionState: { state: ConnectionState; code: string | null } = {
    state: 'signed-out',
    code: null,
  };
  private readonly options: HostRuntimeOptions;
  private closed = false;

  private constructor(options: HostRuntimeOptions, session: DataCryptSession, events: EventHub) {
    this.options = options;
    this.events = events;
    this.platform = options.platform;
    this.log = options.log;
    this.profileDir = options.profileDir;
    this.defaultDownloadDir = options.defaultDownloadDir;
    this.current = session;
    this.passphrase = options.keyStorePassphrase ?? null;
    this.background = new Background(this);
  }

  /** Opens the profile (creating it when missing). */
  static async open(options: HostRuntimeOptions): Promise<HostRuntime> {
    const events = new EventHub(options.log);
    let runtime: HostRuntime | null = null;
    const session = await HostRuntime.openSession(options, () => runtime?.passphrase ?? null);
    runtime = new HostRuntime(options, session, events);
    await runtime.accountChanged();
    return runtime;
  }

  private static openSession(
    options: HostRuntimeOptions,
    passphrase: () => string | null,
  ): Promise<DataCryptSession> {
    const initial = options.keyStorePassphrase ?? null;
    return DataCryptSession.open({
      profileDir: options.profileDir,
      relayUrl: options.relayUrl,
      keyStore: options.keyStore,
      scryptLog2N: options.scryptLog2N,
      // Asked by the file key store when it first needs it; locked until `unlock`.
      keyStorePassphrase: () => {
        const value = passphrase() ?? initial;
        return value === null ? Promise.reject(lockedError()) : Promise.resolve(value);
      },
    });
  }

  /** The open session (E_CLOSED after close). */
  session(): DataCryptSession {
    if (this.closed) throw new CodedError('E_CLOSED', 'DataCrypt is shutting down');
    return this.current;
  }

  /** Where keys live and whether they can be used now. */
  keyStoreInfo(): KeyStoreInfo {
    const session = this.current;
    const file = session.keyStoreKind === 'passphrase-file';
    return {
      kind: session.keyStoreKind,
      reason: file ? session.keyStoreNote : null,
      unlocked: !file || this.passphrase !== null,
    };
  }

  /**
   * Unlocks the file key store: reopens the session with `passphrase` and checks it against the
   * stored keys (E_PASSPHRASE when wrong; the store stays locked).
   */
  async unlock(passphrase: string): Promise<void> {
    if (this.current.keyStoreKind !== 'passphrase-file') return;
    const previous = this.passphrase;
    await this.background.stop();
    await this.current.close();
    this.passphrase = passphrase;
    let next: DataCryptSession | null = null;
    try {
      next = await HostRuntime.openSession(this.options, () => this.passphrase);
      // Reads the current identity (when there is an account): a wrong passphrase fails here.
      await next.status();
    } catch (error) {
      await next?.close();
      this.passphrase = previous;
      this.current = await HostRuntime.openSession(this.options, () => this.passphrase);
      throw error;
    }
    this.current = next;
    await this.accountChanged();
  }

  /** Re-aligns the background work (live inbox, resumed transfers) with the login state. */
  accountChanged(): Promise<void> {
    return this.background.sync();
  }

  /** True when `error` means "unlock the key store first". */
  static isLocked(error: unknown): boolean {
    return isCodedError(error, 'E_KEYSTORE_LOCKED');
  }

  /** A `.dcrypt` file opened from the OS: kept until taken, and announced to the UI. */
  openFile(path: string): void {
    this.pendingOpenFile = path;
    this.events.emit('app:openFile', { path });
  }

  /** The `.dcrypt` path waiting to be shown, once. */
  takePendingOpenFile(): string | null {
    const path = this.pendingOpenFile;
    this.pendingOpenFile = null;
    return path;
  }

  /** The host settings (defaults for what was never set). */
  settings(): Settings {
    return readSettings(this.current.db.settings.get(SETTINGS_KEY));
  }

  /** Applies a partial update and returns the result. */
  updateSettings(patch: SettingsPatch): Settings {
    const now = this.settings();
    const next: Settings = {
      notifications: { ...now.notifications, ...(patch.notifications ?? {}) },
      downloadFolder:
        patch.downloadFolder === undefined ? now.downloadFolder : patch.downloadFolder,
      keepEncryptedCopy: patch.keepEncryptedCopy ?? now.keepEncryptedCopy,
    };
    this.current.db.settings.set(SETTINGS_KEY, next);
    return next;
  }

  /** True until the user backed up (or dismissed the prompt for) the key `fingerprint`. */
  backupRecommended(fingerprint: string | null): boolean {
    if (fingerprint === null) return false;
    return this.current.db.settings.get(BACKUP_KEY) !== fingerprint;
  }

  /** Records that the backup prompt of key `fingerprint` was handled. */
  backupHandled(fingerprint: string): void {
    this.current.db.settings.set(BACKUP_KEY, fingerprint);
  }

  /** Inbox transfers not seen yet (as of the last inbox listing and `transfer:new` events). */
  private readonly unreadIds = new Set<string>();

  /** How many inbox transfers are unread. */
  get unread(): number {
    return this.unreadIds.size;
  }

  /** Replaces the unread set after an inbox listing (announces a changed count). */
  setUnread(transferIds: readonly string[]): void {
    const before = this.unreadIds.size;
    this.unreadIds.clear();
    for (const id of transferIds) if (!this.isSeen(id)) this.unreadIds.add(id);
    if (this.unreadIds.size !== before) this.publishUnread();
  }

  /** A new inbox transfer arrived (realtime). */
  addUnread(transferId: string): void {
    if (this.isSeen(transferId) || this.unreadIds.has(transferId)) return;
    this.unreadIds.add(transferId);
    this.publishUnread();
  }

  private seen(): string[] {
    const value = this.current.db.settings.get(SEEN_KEY);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  }

  /** True when the inbox transfer was seen (opened or marked read) on this machine. */
  isSeen(transferId: string): boolean {
    return this.seen().includes(transferId);
  }

  /** Marks inbox transfers seen. */
  markSeen(transferIds: readonly string[]): void {
    const seen = this.seen();
    const fresh = transferIds.filter((id) => !seen.includes(id));
    if (fresh.length > 0) {
      this.current.db.settings.set(SEEN_KEY, [...seen, ...fresh].slice(-MAX_SEEN));
    }
    let changed = false;
    for (const id of transferIds) changed = this.unreadIds.delete(id) || changed;
    if (changed) this.publishUnread();
  }

  /** Publishes the unread count to the UI and the OS badge. */
  private publishUnread(): void {
    const count = this.unreadIds.size;
    this.platform.setUnreadCount(count);
    this.events.emit('inbox:unread', { count });
  }

  /** The realtime connection state as last reported. */
  connection(): ConnectionState {
    return this.connectionState.state;
  }

  /** Records and announces a connection state change. */
  setConnection(state: ConnectionState, code: string | null = null): void {
    if (this.connectionState.state === state && this.connectionState.code === code) return;
    this.connectionState = { state, code };
    this.events.emit('connection:state', { state, code });
  }

  /** Emits an event (shorthand). */
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.events.emit(event, payload);
  }

  /** Closes the session. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.background.stop();
    this.closed = true;
    await this.current.close();
  }
}
