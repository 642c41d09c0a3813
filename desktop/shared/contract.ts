/**
 * The IPC contract, declared once: every call the UI can make (channel -> argument schema, result
 * schema) and every event the host pushes (event -> payload schema). The Electron main handlers,
 * the preload bridge, the web host and its browser client are all derived from these two objects,
 * so a channel missing from (or added to) one side fails to compile.
 *
 * Every call takes exactly one argument object (`{}` when there is nothing to pass) and answers
 * with one result object.
 * @module
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import {
  AccountStatus,
  AppInfo,
  BackupSource,
  ConnectionState,
  ContactDetail,
  ContactView,
  Email,
  FsPath,
  InboxItem,
  KeyBackup,
  KeyInfo,
  LocalTransfer,
  LoginResult,
  NoArgs,
  OfflineDecryptRequest,
  OfflineDecryptResult,
  OpenDialogRequest,
  OpenDialogResult,
  OtpCode,
  Passphrase,
  Password,
  ReceiveRequest,
  RecoveryCode,
  SaveDialogRequest,
  SaveDialogResult,
  SendRequest,
  SentItem,
  Settings,
  SettingsPatch,
  TotpSetup,
  TransferId,
  HttpUrl,
  EpochMs,
  ByteCount,
  obj,
} from './dto.js';

interface CallSpec {
  readonly args: TSchema;
  readonly result: TSchema;
}
const call = <A extends TSchema, R extends TSchema>(args: A, result: R) => ({ args, result });

/**
 * Every call: channel name -> { args, result } schemas.
 * @example
 * const status = await client.call('account:status', {});
 */
export const Calls = {
  // app / host
  'app:info': call(NoArgs, AppInfo),
  /** The `.dcrypt` path the app was opened with (file association, argv) not yet shown, or null. */
  'app:takePendingOpenFile': call(NoArgs, obj({ path: Type.Union([FsPath, Type.Null()]) })),

  // account
  'account:status': call(NoArgs, AccountStatus),
  'account:setRelay': call(obj({ url: HttpUrl }), AccountStatus),
  'account:register': call(obj({ email: Email, password: Password }), AccountStatus),
  /** The code mailed after `account:register` (the account is the profile's pending one). */
  'account:verifyEmail': call(obj({ code: OtpCode }), AccountStatus),
  'account:resendCode': call(NoArgs, obj({ sent: Type.Literal(true) })),
  'account:login': call(obj({ email: Email, password: Password }), LoginResult),
  'account:loginSecondFactor': call(
    Type.Union([obj({ code: OtpCode }), obj({ recoveryCode: RecoveryCode })]),
    LoginResult,
  ),
  'account:logout': call(NoArgs, AccountStatus),
  'account:twoFactorSetup': call(NoArgs, TotpSetup),
  'account:twoFactorEnable': call(
    obj({ code: OtpCode }),
    obj({ recoveryCodes: Type.Array(Type.String()) }),
  ),
  'account:twoFactorDisable': call(obj({ password: Password, code: OtpCode }), AccountStatus),
  /** Changes the account password (the relay checks the current one and the new one's length). */
  'account:changePassword': call(
    obj({ currentPassword: Password, newPassword: Password }),
    obj({ changed: Type.Literal(true) }),
  ),

  // keys
  /** Unlocks the passphrase-file key store (machines without an OS keychain). */
  'keys:unlock': call(obj({ passphrase: Passphrase }), AccountStatus),
  'keys:show': call(NoArgs, KeyInfo),
  /** Encrypted backup of the current key; written to `path` too when given. */
  'keys:backup': call(obj({ passphrase: Passphrase, path: Type.Optional(FsPath) }), KeyBackup),
  'keys:restore': call(obj({ source: BackupSource, passphrase: Passphrase }), KeyInfo),
  /** New key pair; the old one is kept (retired) so earlier transfers stay readable. */
  'keys:rotate': call(NoArgs, KeyInfo),
  /** The user saw the backup prompt and chose not to back up now. */
  'keys:dismissBackup': call(NoArgs, AccountStatus),

  // contacts
  'contacts:add': call(obj({ email: Email }), ContactView),
  'contacts:list': call(NoArgs, obj({ contacts: Type.Array(ContactView) })),
  'contacts:show': call(obj({ email: Email }), ContactDetail),
  /** Re-fetches the contact's key; a different key makes it `key-changed`. */
  'contacts:refresh': call(obj({ email: Email }), ContactView),
  /** Marks verified when `safetyNumber` (digits or scanned QR payload) matches (E_SAFETY_NUMBER). */
  'contacts:verify': call(
    obj({ email: Email, safetyNumber: Type.String({ minLength: 1, maxLength: 512 }) }),
    ContactView,
  ),
  'contacts:acceptKeyChange': call(obj({ email: Email }), ContactView),
  /** Forgets a contact (its pinned key too); `removed: false` when there was none. */
  'contacts:remove': call(obj({ email: Email }), obj({ removed: Type.Boolean() })),

  // transfers
  /** Starts a send; progress arrives as `transfer:progress` events with the returned local id. */
  'transfers:send': call(SendRequest, LocalTransfer),
  'transfers:pause': call(obj({ id: TransferId }), LocalTransfer),
  'transfers:resume': call(obj({ id: TransferId }), LocalTransfer),
  'transfers:cancel': call(obj({ id: TransferId }), LocalTransfer),
  /** Local sends/receives (running ones first), e.g. to restore progress bars after a reload. */
  'transfers:local': call(NoArgs, obj({ items: Type.Array(LocalTransfer) })),
  'transfers:inbox': call(NoArgs, obj({ items: Type.Array(InboxItem), unread: ByteCount })),
  'transfers:sent': call(NoArgs, obj({ items: Type.Array(SentItem) })),
  /** Starts downloading + decrypting into a folder; progress as `transfer:progress` events. */
  'transfers:receive': call(ReceiveRequest, LocalTransfer),
  /** Sender only: the relay deletes it; recipients lose access. */
  'transfers:revoke': call(obj({ transferId: TransferId }), obj({ revoked: Type.Literal(true) })),
  /** Recipient only: removes a transfer from my inbox on the relay. */
  'transfers:hide': call(obj({ transferId: TransferId }), obj({ hidden: Type.Literal(true) })),
  /** Marks inbox items seen (clears the unread badge for them). */
  'transfers:markRead': call(
    obj({ transferIds: Type.Array(TransferId, { maxItems: 1000 }) }),
    obj({ unread: ByteCount }),
  ),

  // offline
  /** Decrypts a saved `.dcrypt` file with this machine's keys; needs no network. */
  'offline:decrypt': call(OfflineDecryptRequest, OfflineDecryptResult),

  // settings
  'settings:get': call(NoArgs, Settings),
  'settings:set': call(SettingsPatch, Settings),

  // dialogs (native under Electron; `supported: false` and no paths in the web host)
  'dialog:openFiles': call(OpenDialogRequest, OpenDialogResult),
  'dialog:saveFile': call(SaveDialogRequest, SaveDialogResult),
  /** Shows a file in the OS file manager (Electron); `{ shown: false }` in the web host. */
  'shell:showItem': call(obj({ path: FsPath }), obj({ shown: Type.Boolean() })),
} as const satisfies Record<string, CallSpec>;

/**
 * Every event the host pushes: event name -> payload schema.
 * @example
 * api.on('transfer:progress', (p) => setProgress(p.id, p));
 */
export const Events = {
  /** A local send/receive moved (throttled) or changed state. */
  'transfer:progress': LocalTransfer,
  /** A transfer arrived in the inbox. */
  'transfer:new': obj({ transferId: TransferId, sender: Email, size: ByteCount, at: EpochMs }),
  /** A recipient's signed receipt arrived and was checked against their pinned key. */
  'transfer:receipt': obj({
    transferId: TransferId,
    recipient: Email,
    verified: Type.Boolean(),
    at: EpochMs,
  }),
  /** A transfer I sent or received changed on the relay. */
  'transfer:changed': obj({
    transferId: TransferId,
    change: Type.Union([
      Type.Literal('downloaded'),
      Type.Literal('revoked'),
      Type.Literal('expired'),
    ]),
    at: EpochMs,
  }),
  /** The directory serves a new key for a contact: sending to them is blocked until resolved. */
  'contact:keyChanged': obj({
    email: Email,
    oldFingerprint: Type.String(),
    newFingerprint: Type.String(),
  }),
  'connection:state': obj({
    state: ConnectionState,
    /** Why it is not online (an E_ code), or null. */
    code: Type.Union([Type.String(), Type.Null()]),
  }),
  'inbox:unread': obj({ count: ByteCount }),
  /** A `.dcrypt` file was opened from the OS while the app runs: show offline decrypt. */
  'app:openFile': obj({ path: FsPath }),
  /** An application-menu item that the UI handles (navigation). */
  'app:menu': obj({
    action: Type.Union([
      Type.Literal('send'),
      Type.Literal('inbox'),
      Type.Literal('sent'),
      Type.Literal('contacts'),
      Type.Literal('offline-decrypt'),
      Type.Literal('settings'),
    ]),
  }),
} as const satisfies Record<string, TSchema>;

/** Every call channel name. */
export type Channel = keyof typeof Calls;
/** Every event name. */
export type EventName = keyof typeof Events;
/** The argument object of a channel. */
export type CallArgs<C extends Channel> = Static<(typeof Calls)[C]['args']>;
/** The result of a channel. */
export type CallResult<C extends Channel> = Static<(typeof Calls)[C]['result']>;
/** The payload of an event. */
export type EventPayload<E extends EventName> = Static<(typeof Events)[E]>;

/** All channel names, in declaration order (what bridges iterate over). */
export const CHANNELS = Object.keys(Calls) as Channel[];
/** All event names. */
export const EVENT_NAMES = Object.keys(Events) as EventName[];

/** True when `name` is a channel of the contract (guards untrusted input). */
export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.hasOwn(Calls, name);
}
/** True when `name` is an event of the contract. */
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(Events, name);
}

/**
 * What the host implements: exactly one handler per channel. A missing or extra key fails to
 * compile (see desktop/test/ipc-types.test.ts).
 * @example
 * const handlers: HandlerMap<Ctx> = { 'app:info': async () => info, ... };
 */
export type HandlerMap<Ctx = void> = {
  [C in Channel]: (args: CallArgs<C>, ctx: Ctx) => Promise<CallResult<C>>;
};

/** Electron IPC channel names used by the preload bridge (prefixed so nothing else collides). */
export const ipcChannelName = (channel: Channel): string => `datacrypt:${channel}`;
/** The single Electron IPC channel on which main pushes events ({ event, payload }). */
export const IPC_EVENT_CHANNEL = 'datacrypt:event';
