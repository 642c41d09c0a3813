/**
 * The data shapes that cross the IPC boundary (renderer <-> Electron main or web host), as TypeBox
 * schemas. The TS types are derived from them (`Static`), so the runtime check and the compile-time
 * type can never disagree. Plain data only: no secrets beyond what the user typed for this call,
 * no class instances, no Node or DOM types.
 * @module
 */
import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;

/** A closed object schema (unknown keys are refused). */
export const obj = <T extends Record<string, TSchema>>(props: T) => Type.Object(props, strict);

/** Emails as the relay accepts them (shape only; the relay has the final word). */
export const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' });
/** Passwords: the relay's own bounds (10..256); login accepts any length up to 256. */
export const Password = Type.String({ minLength: 1, maxLength: 256 });
/** A passphrase for the key store, a key backup, ... */
export const Passphrase = Type.String({ minLength: 1, maxLength: 1024 });
/** A six-digit one-time code (email verification, TOTP). */
export const OtpCode = Type.String({ pattern: '^[0-9]{6}$' });
/** A 2FA recovery code as the relay issues them (`abcde-12345`). */
export const RecoveryCode = Type.String({ pattern: '^[a-z0-9]{5}-[a-z0-9]{5}$' });
/** A local filesystem path on the machine running main / the web host. */
export const FsPath = Type.String({ minLength: 1, maxLength: 4096 });
/** An http(s) URL. */
export const HttpUrl = Type.String({ minLength: 8, maxLength: 2048, pattern: '^https?://' });
/** Ids: relay transfer ids and local transfer ids (UUIDs). */
export const TransferId = Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' });
/** ISO 8601 time, or epoch milliseconds where the name says `...Ms`. */
export const IsoTime = Type.String({ maxLength: 40 });
export const EpochMs = Type.Integer({ minimum: 0 });
export const ByteCount = Type.Integer({ minimum: 0 });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
/** A union of string literals, e.g. `OneOf(['send', 'receive'])` (schema: anyOf of consts). */
const OneOf = <const T extends readonly [string, string, ...string[]]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as TUnion<{
    -readonly [K in keyof T]: TLiteral<T[K]>;
  }>;

/** An empty argument object (calls that take nothing). */
export const NoArgs = obj({});

// --- app ---

/** Which transport provides `window.datacrypt`. */
export const Transport = OneOf(['electron', 'web']);
export type Transport = Static<typeof Transport>;

/**
 * What the host can do, so the UI adapts: without native dialogs (web host) it shows path fields
 * and uploads instead of "Browse…" buttons.
 */
export const AppInfo = obj({
  transport: Transport,
  appVersion: Type.String(),
  /** `process.platform` of the host (`linux`, `darwin`, `win32`). */
  platform: Type.String(),
  pathSeparator: OneOf(['/', '\\']),
  /** True under Electron: `dialog:*` calls open OS dialogs. False in the web host. */
  nativeDialogs: Type.Boolean(),
  /** True when `DataCryptApi.pathForFile` can upload browser files (web host) or map them to paths. */
  fileUpload: Type.Boolean(),
  profileDir: FsPath,
  /** Suggested folder for downloads (the OS Downloads folder or the home folder). */
  defaultDownloadDir: FsPath,
});
export type AppInfo = Static<typeof AppInfo>;

/** Whether the realtime connection to the relay is up. */
export const ConnectionState = OneOf(['offline', 'connecting', 'online', 'signed-out']);
export type ConnectionState = Static<typeof ConnectionState>;

// --- account ---

/**
 * Where onboarding stands: `no-account` (register or log in), `unverified` (email code pending),
 * `signed-out` (account known, log in), `second-factor` (TOTP code pending), `ready`.
 */
export const AccountStage = OneOf([
  'no-account',
  'unverified',
  'signed-out',
  'second-factor',
  'ready',
]);
export type AccountStage = Static<typeof AccountStage>;

/** Where a secret key is kept: the OS keychain or the passphrase-encrypted file store. */
export const KeyStorage = OneOf(['keychain', 'passphrase-file']);
export type KeyStorage = Static<typeof KeyStorage>;

/** Where secret keys live: the OS keychain or a passphrase-encrypted file store. */
export const KeyStoreInfo = obj({
  kind: Nullable(KeyStorage),
  /** Why the file store is used (no keychain), or null. Plain language. */
  reason: Nullable(Type.String()),
  /** False when the file store needs its passphrase (`keys:unlock`) before anything else. */
  unlocked: Type.Boolean(),
});
export type KeyStoreInfo = Static<typeof KeyStoreInfo>;

/** The state the UI renders its shell from. */
export const AccountStatus = obj({
  relayUrl: HttpUrl,
  stage: AccountStage,
  email: Nullable(Email),
  /** Current key fingerprint (16 groups of 4 hex digits), null before key generation. */
  fingerprint: Nullable(Type.String()),
  totpEnabled: Type.Boolean(),
  /** True until the user made (or dismissed) a key backup since the key was created. */
  backupRecommended: Type.Boolean(),
  keyStore: KeyStoreInfo,
  connection: ConnectionState,
  unread: ByteCount,
});
export type AccountStatus = Static<typeof AccountStatus>;

/** Outcome of a password login (or second factor): done, or a TOTP code is needed. */
export const LoginResult = Type.Union([
  obj({
    status: Type.Literal('ok'),
    /** True when a key pair was generated (first login on this machine) and published. */
    keyCreated: Type.Boolean(),
    account: AccountStatus,
  }),
  obj({ status: Type.Literal('second-factor-required') }),
]);
export type LoginResult = Static<typeof LoginResult>;

export const TotpSetup = obj({
  secret: Type.String(),
  /** `otpauth://` URL for an authenticator app (render it as a QR code). */
  otpauthUrl: Type.String(),
});
export type TotpSetup = Static<typeof TotpSetup>;

// --- keys ---

export const RetiredKey = obj({
  fingerprint: Type.String(),
  createdAt: IsoTime,
  retiredAt: IsoTime,
});
export const KeyInfo = obj({
  fingerprint: Type.String(),
  /** The `datacrypt1...` public identity. */
  publicIdentity: Type.String(),
  createdAt: IsoTime,
  storage: KeyStorage,
  /** Older keys kept so that earlier transfers stay readable, most recently retired first. */
  retired: Type.Array(RetiredKey),
});
export type KeyInfo = Static<typeof KeyInfo>;

/** A key backup: armored encrypted text; `path` when it was also written to a file. */
export const KeyBackup = obj({ armored: Type.String(), path: Nullable(FsPath) });
export type KeyBackup = Static<typeof KeyBackup>;

/** Where a backup to restore comes from: its text (pasted/uploaded) or a file path. */
export const BackupSource = Type.Union([
  obj({ text: Type.String({ minLength: 1, maxLength: 65536 }) }),
  obj({ path: FsPath }),
]);
export type BackupSource = Static<typeof BackupSource>;

// --- contacts ---

export const ContactTrust = OneOf(['verified', 'unverified', 'key-changed']);
export type ContactTrust = Static<typeof ContactTrust>;
/** The trust state of a transfer's sender; `unknown` = not a contact. */
export const SenderTrust = Type.Union([ContactTrust, Type.Literal('unknown')]);
export type SenderTrust = Static<typeof SenderTrust>;

export const ContactView = obj({
  email: Email,
  status: ContactTrust,
  fingerprint: Type.String(),
  firstSeenAt: IsoTime,
  verifiedAt: Nullable(IsoTime),
  /** Fingerprint of the new key the directory serves, when `status` is `key-changed`. */
  pendingFingerprint: Nullable(Type.String()),
});
export type ContactView = Static<typeof ContactView>;

/** A safety number: 60 digits, shown as 12 groups of 5, plus the QR code payload. */
export const SafetyNumberView = obj({
  digits: Type.String({ pattern: '^[0-9]{60}$' }),
  groups: Type.Array(Type.String({ pattern: '^[0-9]{5}$' }), { minItems: 12, maxItems: 12 }),
  qrPayload: Type.String(),
});
export type SafetyNumberView = Static<typeof SafetyNumberView>;

export const ContactDetail = obj({
  contact: ContactView,
  /** The user's own current fingerprint. */
  myFingerprint: Type.String(),
  /** Safety number of (me, pinned key). */
  safetyNumber: SafetyNumberView,
  /**
   * When the key changed: the old (pinned) and new fingerprints and the safety number of the new
   * key, so the user can verify the new key directly (`contacts:verify` with it pins it verified).
   */
  keyChange: Nullable(
    obj({
      oldFingerprint: Type.String(),
      newFingerprint: Type.String(),
      safetyNumber: SafetyNumberView,
    }),
  ),
});
export type ContactDetail = Static<typeof ContactDetail>;

// --- transfers ---

export const TransferDirection = OneOf(['send', 'receive']);
export type TransferDirection = Static<typeof TransferDirection>;
export const LocalTransferState = OneOf([
  'queued',
  'active',
  'paused',
  'completed',
  'failed',
  'cancelled',
]);
export type LocalTransferState = Static<typeof LocalTransferState>;

/** A send or receive running (or done) on this machine; `id` is the local id. */
export const LocalTransfer = obj({
  id: TransferId,
  direction: TransferDirection,
  /** The relay's transfer id once known. */
  transferId: Nullable(TransferId),
  state: LocalTransferState,
  bytes: ByteCount,
  totalBytes: Nullable(ByteCount),
  /** Bytes per second over the last few seconds, 0 when idle. */
  rateBps: Type.Number({ minimum: 0 }),
  etaSeconds: Nullable(Type.Number({ minimum: 0 })),
  /** Local paths: what is sent, or where a receive writes. */
  paths: Type.Array(FsPath),
  /** Plaintext outputs of a completed receive. */
  outputs: Type.Array(FsPath),
  errorCode: Nullable(Type.String()),
  /** Plain-language error, when failed. */
  errorMessage: Nullable(Type.String()),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type LocalTransfer = Static<typeof LocalTransfer>;

export const RelayTransferStatus = OneOf(['uploading', 'ready', 'expired', 'revoked']);

/** One transfer in the inbox (sent to me). */
export const InboxItem = obj({
  transferId: TransferId,
  sender: Email,
  senderTrust: SenderTrust,
  size: ByteCount,
  status: RelayTransferStatus,
  createdAt: EpochMs,
  expiresAt: EpochMs,
  maxDownloads: Nullable(Type.Integer()),
  downloads: Type.Integer({ minimum: 0 }),
  /** True until opened/downloaded here (drives the unread badge). */
  unread: Type.Boolean(),
  /** The local receive of it, if one was started here. */
  local: Nullable(LocalTransfer),
});
export type InboxItem = Static<typeof InboxItem>;

/** Where a sent transfer stands for one recipient. */
export const RecipientState = obj({
  email: Email,
  state: OneOf(['pending', 'delivered', 'downloaded', 'receipt-verified', 'expired', 'revoked']),
  /** Time of the signed receipt, when verified. */
  receiptAt: Nullable(EpochMs),
});
export type RecipientState = Static<typeof RecipientState>;

/** One transfer I sent. */
export const SentItem = obj({
  transferId: TransferId,
  recipients: Type.Array(RecipientState),
  size: ByteCount,
  status: RelayTransferStatus,
  createdAt: EpochMs,
  expiresAt: EpochMs,
  maxDownloads: Nullable(Type.Integer()),
  downloads: Type.Integer({ minimum: 0 }),
  /** Local file names sent (known only on this machine; the relay never sees them). */
  names: Type.Array(Type.String()),
  local: Nullable(LocalTransfer),
});
export type SentItem = Static<typeof SentItem>;

export const SendRequest = obj({
  /** Files and folders to send (one encrypted transfer holding all of them). */
  paths: Type.Array(FsPath, { minItems: 1, maxItems: 1000 }),
  recipients: Type.Array(Email, { minItems: 1, maxItems: 100, uniqueItems: true }),
  /** Days until the relay deletes it (1 .. 3650); default: the relay's. */
  expiryDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  /** Downloads allowed per transfer; default: unlimited. */
  downloadLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
});
export type SendRequest = Static<typeof SendRequest>;

export const ReceiveRequest = obj({
  transferId: TransferId,
  /** Folder the plaintext goes into (created if missing). */
  folder: FsPath,
  /** Also keep the `.dcrypt` ciphertext in the folder (decryptable offline later). */
  keepEncryptedCopy: Type.Boolean(),
});
export type ReceiveRequest = Static<typeof ReceiveRequest>;

// --- offline ---

export const OfflineDecryptRequest = obj({
  /** The `.dcrypt` file. */
  path: FsPath,
  /** Folder to extract into. */
  folder: FsPath,
});
export type OfflineDecryptRequest = Static<typeof OfflineDecryptRequest>;

export const OfflineDecryptResult = obj({
  outputs: Type.Array(FsPath),
  sender: obj({
    fingerprint: Type.String(),
    /** The contact whose pinned or past key signed it, or null. */
    email: Nullable(Email),
    trust: SenderTrust,
  }),
});
export type OfflineDecryptResult = Static<typeof OfflineDecryptResult>;

// --- settings ---

export const Settings = obj({
  notifications: obj({ newTransfers: Type.Boolean(), receipts: Type.Boolean() }),
  /** Default folder for downloads, null = ask / AppInfo.defaultDownloadDir. */
  downloadFolder: Nullable(FsPath),
  keepEncryptedCopy: Type.Boolean(),
});
export type Settings = Static<typeof Settings>;

export const SettingsPatch = obj({
  notifications: Type.Optional(
    obj({
      newTransfers: Type.Optional(Type.Boolean()),
      receipts: Type.Optional(Type.Boolean()),
    }),
  ),
  downloadFolder: Type.Optional(Nullable(FsPath)),
  keepEncryptedCopy: Type.Optional(Type.Boolean()),
});
export type SettingsPatch = Static<typeof SettingsPatch>;

// --- dialogs ---

export const FileFilter = obj({
  name: Type.String({ maxLength: 100 }),
  extensions: Type.Array(Type.String({ pattern: '^[A-Za-z0-9*]{1,16}$' }), { maxItems: 20 }),
});
export const OpenDialogRequest = obj({
  title: Type.Optional(Type.String({ maxLength: 200 })),
  /** Pick folders instead of files. */
  folders: Type.Optional(Type.Boolean()),
  multiple: Type.Optional(Type.Boolean()),
  filters: Type.Optional(Type.Array(FileFilter, { maxItems: 10 })),
});
export type OpenDialogRequest = Static<typeof OpenDialogRequest>;
/** Picked paths; empty when cancelled or when the host has no native dialogs (web host). */
export const OpenDialogResult = obj({ paths: Type.Array(FsPath), supported: Type.Boolean() });
export type OpenDialogResult = Static<typeof OpenDialogResult>;

export const SaveDialogRequest = obj({
  title: Type.Optional(Type.String({ maxLength: 200 })),
  defaultName: Type.Optional(Type.String({ maxLength: 255 })),
  filters: Type.Optional(Type.Array(FileFilter, { maxItems: 10 })),
});
export type SaveDialogRequest = Static<typeof SaveDialogRequest>;
export const SaveDialogResult = obj({ path: Nullable(FsPath), supported: Type.Boolean() });
export type SaveDialogResult = Static<typeof SaveDialogResult>;
