import type { KeyStoreKind } from '../keys/key-store.js';
import type { ContactTrust, SenderStatus } from '../contacts/contacts.js';

/**
 * The plain-data shapes DataCryptSession returns: what the CLI prints (`--json`) and what the IPC
 * layer sends to the renderer. Only strings, numbers, booleans, null, arrays and objects.
 * @module
 */

/**
 * The account of the profile as far as this machine knows.
 * @example
 * const { email, loggedIn } = (await session.status()).account!;
 */
export interface AccountStatus {
  email: string;
  /** The email address was confirmed (verification code or a successful login). */
  verified: boolean;
  /** A session is held (its refresh token is in the KeyStore). */
  loggedIn: boolean;
  /** Two-factor login is on (as last seen from the relay). */
  totpEnabled: boolean;
}

/**
 * What `status()` reports.
 * @example
 * const s: SessionStatus = await session.status();
 * if (s.keyStore === 'passphrase-file') warn(s.keyStoreNote);
 */
export interface SessionStatus {
  profileDir: string;
  relayUrl: string;
  /** The account, or absent before register/login. */
  account?: AccountStatus;
  keyStore: KeyStoreKind;
  /** Why this KeyStore was chosen (say it to the user when it is the file fallback). */
  keyStoreNote: string;
  /** The current identity's fingerprint, absent when there is none yet. */
  fingerprint?: string;
  /** The current identity's `datacrypt1...` public identity. */
  publicIdentity?: string;
}

/**
 * The outcome of `login`: logged in, or a TOTP/recovery code is needed (`loginSecondFactor`).
 * @example
 * if ((await session.login(email, pw)).status === 'second-factor-required') await session.loginSecondFactor(code);
 */
export type LoginResult = { status: 'ok' } | { status: 'second-factor-required' };

/**
 * One identity of the account.
 * @example
 * const { fingerprint, createdAt } = (await session.keys.show()).retired[0]!;
 */
export interface IdentityInfo {
  fingerprint: string;
  publicIdentity: string;
  createdAt: string;
  /** When it was replaced (retired identities only decrypt old transfers), null when current. */
  retiredAt: string | null;
}

/**
 * What `keys.show()` returns: the current identity, retired ones, and where they are kept.
 * @example
 * const { fingerprint, publicIdentity } = await session.keys.show();
 */
export interface KeysInfo {
  fingerprint: string;
  publicIdentity: string;
  createdAt: string;
  /** The fingerprint the relay directory was last given for this account, or null. */
  publishedFingerprint: string | null;
  keyStore: KeyStoreKind;
  retired: IdentityInfo[];
}

/**
 * What `keys.rotate()` and `keys.restore()` did.
 * @example
 * const { current, published } = await session.keys.rotate();
 */
export interface KeyChangeResult {
  current: IdentityInfo;
  /** The identity it replaced (kept, retired), or null. */
  previous: IdentityInfo | null;
  /** True when the new key was published to the relay directory now (false: at next login). */
  published: boolean;
}

/**
 * A contact as listed.
 * @example
 * for (const c of await session.contacts.list()) console.log(c.email, c.status);
 */
export interface ContactInfo {
  email: string;
  status: ContactTrust;
  /** Fingerprint of the pinned key (the one used to send). */
  fingerprint: string;
  publicIdentity: string;
  firstSeenAt: string;
  verifiedAt: string | null;
  /** When `status` is `key-changed`: the fingerprint the directory now serves. */
  newFingerprint: string | null;
}

/**
 * A safety number of the user and a contact: identical on both sides.
 * @example
 * console.log(detail.safetyNumber.groups.join(' '));
 */
export interface SafetyNumberInfo {
  /** 60 digits. */
  digits: string;
  /** 12 groups of 5 digits. */
  groups: string[];
  /** The QR code payload (`datacrypt-safety-number:1:...`), to show or scan. */
  qrPayload: string;
}

/**
 * What `contacts.show()` returns: the contact, the user's own fingerprint and the safety number;
 * for a key change, the new key's fingerprint and safety number too.
 * @example
 * const { safetyNumber, myFingerprint, contact } = await session.contacts.show('bob@example.com');
 */
export interface ContactDetail {
  contact: ContactInfo;
  myFingerprint: string;
  /** Safety number with the pinned key. */
  safetyNumber: SafetyNumberInfo;
  /** For a `key-changed` contact: the key the directory now serves. */
  keyChange: {
    oldFingerprint: string;
    newFingerprint: string;
    safetyNumber: SafetyNumberInfo;
  } | null;
}

/**
 * What `decryptFile` wrote and who signed it.
 * @example
 * const { outputs, senderFingerprint, senderStatus } = await session.decryptFile(path, 'out/');
 */
export interface DecryptFileResult {
  outputs: string[];
  senderFingerprint: string;
  senderStatus: SenderStatus;
  /** The contact the signing key belongs to, or null. */
  senderEmail: string | null;
}

/**
 * What `logout()` did.
 * @example
 * if (!(await session.logout()).endedOnRelay) warn('relay unreachable: logged out locally');
 */
export interface LogoutResult {
  /** False when the relay could not be reached (the session is forgotten locally anyway). */
  endedOnRelay: boolean;
}
