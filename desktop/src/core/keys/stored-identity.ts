import {
  DataCryptError,
  encodePublicIdentity,
  fingerprint,
  type SecretIdentity,
} from '@datacrypt/shared-crypto';
import type { StoredIdentity } from './key-store.js';

/**
 * Rules shared by every KeyStore adapter: building records, the rotation step, ordering, and
 * the token size limit.
 * @module
 */

/**
 * Largest session token a KeyStore accepts, in UTF-8 bytes (Windows Credential Manager holds
 * 2560 bytes per entry).
 * @example
 * if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) throw new Error('too long');
 */
export const MAX_TOKEN_BYTES = 2048;

/**
 * Checks a session token: a non-empty string of at most MAX_TOKEN_BYTES bytes (E_ARGUMENT).
 * @example
 * checkToken(jwt); // throws E_ARGUMENT for '' or an oversized token
 */
export function checkToken(token: unknown): string {
  if (typeof token !== 'string' || token.length === 0) {
    throw new DataCryptError('E_ARGUMENT', 'the session token must be a non-empty string');
  }
  if (Buffer.byteLength(token, 'utf8') > MAX_TOKEN_BYTES) {
    throw new DataCryptError('E_ARGUMENT', `the session token exceeds ${MAX_TOKEN_BYTES} bytes`);
  }
  return token;
}

/**
 * The error for a token stored before any identity (the file store encrypts the token to the
 * account's identity, so every adapter requires one).
 * @example
 * if ((await store.current(account)) === null) throw tokenNeedsIdentity();
 */
export function tokenNeedsIdentity(): DataCryptError {
  return new DataCryptError(
    'E_ARGUMENT',
    'a session token is stored with the account identity: store an identity first',
  );
}

/**
 * A StoredIdentity for `identity` with the given times.
 * @example
 * storedIdentity(id, '2026-01-01T00:00:00.000Z', null);
 */
export function storedIdentity(
  identity: SecretIdentity,
  createdAt: string,
  retiredAt: string | null,
): StoredIdentity {
  const publicIdentity = encodePublicIdentity(identity.publicIdentity);
  return {
    identity,
    publicIdentity,
    fingerprint: fingerprint(publicIdentity),
    createdAt,
    retiredAt,
  };
}

/**
 * What a store remembers about an identity besides the secret itself.
 * @example
 * const meta: IdentityMeta = { fingerprint, createdAt: '2026-01-01T00:00:00.000Z', retiredAt: null };
 */
export interface IdentityMeta {
  fingerprint: string;
  createdAt: string;
  retiredAt: string | null;
}

/**
 * The rotation step shared by the adapters: given the account's identities and the one to make
 * current, returns the new list (current first) and the record that became current.
 * @example
 * const { next, current } = planSetCurrent(existing, fp, now.toISOString(), now.toISOString());
 */
export function planSetCurrent<T extends IdentityMeta>(
  existing: readonly T[],
  incoming: T,
  nowIso: string,
): { next: T[]; current: T; changed: boolean } {
  const current = existing.find((r) => r.retiredAt === null);
  if (current?.fingerprint === incoming.fingerprint) {
    return { next: sortIdentities(existing), current, changed: false };
  }
  const earlier = existing.find((r) => r.fingerprint === incoming.fingerprint);
  const promoted: T = { ...(earlier ?? incoming), retiredAt: null };
  const rest = existing
    .filter((r) => r.fingerprint !== incoming.fingerprint)
    .map((r) => (r.retiredAt === null ? { ...r, retiredAt: nowIso } : r));
  return { next: sortIdentities([promoted, ...rest]), current: promoted, changed: true };
}

/**
 * Orders identities: the current one first, then retired ones, most recently retired first
 * (ties: most recently created first, then by fingerprint).
 * @example
 * const [current, ...retired] = sortIdentities(records);
 */
export function sortIdentities<T extends IdentityMeta>(records: readonly T[]): T[] {
  return [...records].sort((a, b) => {
    if (a.retiredAt === null || b.retiredAt === null) {
      return (a.retiredAt === null ? 0 : 1) - (b.retiredAt === null ? 0 : 1);
    }
    return (
      b.retiredAt.localeCompare(a.retiredAt) ||
      b.createdAt.localeCompare(a.createdAt) ||
      a.fingerprint.localeCompare(b.fingerprint)
    );
  });
}

/**
 * A Date as ISO 8601 UTC text (E_ARGUMENT for an invalid date).
 * @example
 * isoTime(new Date(0)); // '1970-01-01T00:00:00.000Z'
 */
export function isoTime(date: Date): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new DataCryptError('E_ARGUMENT', 'invalid date');
  }
  return date.toISOString();
}
