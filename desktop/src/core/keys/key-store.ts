import type { SecretIdentity } from '@datacrypt/shared-crypto';
import type { AccountRef } from './account.js';

/**
 * The KeyStore port: where an account's secret identities (current and retired) and its relay
 * session token live. Adapters: `KeychainKeyStore` (OS keychain via keytar) and
 * `PassphraseFileKeyStore` (passphrase-encrypted files). Both pass the same contract tests.
 * @module
 */

/**
 * Which adapter holds the keys.
 * @example
 * const where: KeyStoreKind = store.kind; // 'keychain' | 'passphrase-file'
 */
export type KeyStoreKind = 'keychain' | 'passphrase-file';

/**
 * One stored identity of an account. The current one has `retiredAt === null`; retired ones are
 * kept so that transfers encrypted to them stay readable.
 * @example
 * const { identity, fingerprint, createdAt, retiredAt } = (await store.current(account))!;
 */
export interface StoredIdentity {
  identity: SecretIdentity;
  /** The `datacrypt1...` public identity. */
  publicIdentity: string;
  /** Display fingerprint (16 groups of 4 hex digits). */
  fingerprint: string;
  /** ISO 8601 UTC time the identity was created (or first stored). */
  createdAt: string;
  /** ISO 8601 UTC time it was replaced by a newer identity, or null for the current one. */
  retiredAt: string | null;
}

/**
 * Options of `KeyStore.setCurrent`.
 * @example
 * await store.setCurrent(account, identity, { now: new Date('2026-01-01T00:00:00Z') });
 */
export interface SetCurrentOptions {
  /** The time recorded as the new identity's `createdAt` and the old one's `retiredAt` (default now). */
  now?: Date;
  /** The new identity's creation time when it is older than now (e.g. a restored backup). */
  createdAt?: Date;
}

/**
 * The storage side of keys, per account (`AccountRef`, normalized by the store).
 *
 * Rules every adapter follows (the contract tests check them):
 * - `setCurrent` stores the identity as current; the previous current one, if different, is kept
 *   as retired with `retiredAt = now`. Setting the current identity again changes nothing; setting
 *   a retired one makes it current again (and retires the other).
 * - `all` lists the current identity first, then retired ones, most recently retired first.
 * - Nothing is ever written in plaintext to disk by the store itself.
 * @example
 * const store: KeyStore = (await openKeyStore({ profileDir, passphrase })).store;
 * await store.setCurrent(account, generateIdentity());
 * const me = await store.current(account);
 */
export interface KeyStore {
  readonly kind: KeyStoreKind;
  /** Every account with something stored, sorted by relay URL then email. */
  accounts(): Promise<AccountRef[]>;
  /** The current identity of the account, or null when none is stored. */
  current(account: AccountRef): Promise<StoredIdentity | null>;
  /** Every identity of the account: the current one first, then retired ones. */
  all(account: AccountRef): Promise<StoredIdentity[]>;
  /** Makes `identity` the account's current identity (see the rules above). */
  setCurrent(
    account: AccountRef,
    identity: SecretIdentity,
    options?: SetCurrentOptions,
  ): Promise<StoredIdentity>;
  /** Removes everything stored for the account; false when there was nothing. */
  deleteAccount(account: AccountRef): Promise<boolean>;
  /** The account's relay session token (opaque text), or null. */
  getToken(account: AccountRef): Promise<string | null>;
  /**
   * Stores the session token (at most `MAX_TOKEN_BYTES` UTF-8 bytes). E_ARGUMENT when it is too
   * long or the account has no identity yet.
   */
  setToken(account: AccountRef, token: string): Promise<void>;
  /** Forgets the session token (log out); false when there was none. */
  deleteToken(account: AccountRef): Promise<boolean>;
}
