import { generateIdentity, type RandomSource } from '@datacrypt/shared-crypto';
import type { AccountRef } from './account.js';
import type { KeyStore, StoredIdentity } from './key-store.js';

/**
 * Key rotation, storage side: a new identity becomes current and the old one is kept, retired,
 * for decrypting earlier transfers. Publishing the new key to the relay is the caller's job.
 * @module
 */

/**
 * What rotateIdentity did.
 * @example
 * const { current, retired } = await rotateIdentity(store, account);
 */
export interface RotationResult {
  /** The new current identity (publish it). */
  current: StoredIdentity;
  /** The identity it replaced, now retired, or null when the account had none. */
  retired: StoredIdentity | null;
}

/**
 * Generates a new identity and makes it the account's current one, keeping the previous one as
 * retired.
 * @example
 * const { current } = await rotateIdentity(store, account);
 * await relay.publishKey(signKeyPublication(current.identity, account.email, Date.now()));
 */
export async function rotateIdentity(
  store: KeyStore,
  account: AccountRef,
  options: { now?: Date; random?: RandomSource } = {},
): Promise<RotationResult> {
  const previous = await store.current(account);
  const identity = generateIdentity(options.random);
  const now = options.now ?? new Date();
  const current = await store.setCurrent(account, identity, { now });
  const retired =
    previous === null
      ? null
      : ((await store.all(account)).find((r) => r.fingerprint === previous.fingerprint) ?? null);
  return { current, retired };
}
