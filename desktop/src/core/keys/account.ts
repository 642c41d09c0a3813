import { DataCryptError, normalizeEmail } from '@datacrypt/shared-crypto';

/**
 * Which account a stored secret belongs to: one user (email) on one relay.
 * @module
 */

/** Longest relay URL accepted, in characters. */
const MAX_RELAY_URL_LENGTH = 2048;

/**
 * One account on one relay. Both fields are normalized by `normalizeAccount`.
 * @example
 * const account: AccountRef = { relayUrl: 'https://relay.example.com', email: 'alice@example.com' };
 */
export interface AccountRef {
  /** The relay's base URL, e.g. `https://relay.example.com` (no trailing slash). */
  relayUrl: string;
  /** The account's email, trimmed and lowercased. */
  email: string;
}

/**
 * Validates and normalizes a relay URL: http(s) with no credentials, query or fragment; trailing
 * slashes are dropped and the host is lowercased. Throws E_ARGUMENT otherwise.
 * @example
 * normalizeRelayUrl('https://Relay.example.com/'); // 'https://relay.example.com'
 */
export function normalizeRelayUrl(relayUrl: string): string {
  const raw: unknown = relayUrl;
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_RELAY_URL_LENGTH) {
    throw new DataCryptError(
      'E_ARGUMENT',
      `relay URL must be 1..${MAX_RELAY_URL_LENGTH} characters`,
    );
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch (cause) {
    throw new DataCryptError('E_ARGUMENT', 'relay URL is not a valid URL', { cause });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DataCryptError('E_ARGUMENT', 'relay URL must start with https:// or http://');
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new DataCryptError(
      'E_ARGUMENT',
      'relay URL must not hold credentials, a query or a fragment',
    );
  }
  const normalized = `${url.origin}${url.pathname.replace(/\/+$/u, '')}`;
  if (normalized.length > MAX_RELAY_URL_LENGTH) {
    throw new DataCryptError(
      'E_ARGUMENT',
      `relay URL must be 1..${MAX_RELAY_URL_LENGTH} characters`,
    );
  }
  return normalized;
}

/**
 * Validates and normalizes an account: the relay URL as in normalizeRelayUrl, the email
 * `local@domain` (trimmed, lowercased). Neither may contain `|`, the separator of keychain entry
 * names. Throws E_ARGUMENT otherwise.
 * @example
 * normalizeAccount({ relayUrl: 'https://Relay.example.com/', email: ' Alice@Example.com' });
 * // { relayUrl: 'https://relay.example.com', email: 'alice@example.com' }
 */
export function normalizeAccount(account: AccountRef): AccountRef {
  const relayUrl = normalizeRelayUrl(account.relayUrl);
  const email = normalizeEmail(account.email);
  if (relayUrl.includes('|') || email.includes('|')) {
    throw new DataCryptError('E_ARGUMENT', 'relay URL and email must not contain "|"');
  }
  return { relayUrl, email };
}

/**
 * The keychain account name of an account: `${relayUrl}|${email}` (normalized).
 * @example
 * accountKey({ relayUrl: 'https://relay.example.com', email: 'alice@example.com' });
 * // 'https://relay.example.com|alice@example.com'
 */
export function accountKey(account: AccountRef): string {
  const { relayUrl, email } = normalizeAccount(account);
  return `${relayUrl}|${email}`;
}

/**
 * True when two account references name the same account (after normalization).
 * @example
 * sameAccount(a, { ...a, email: a.email.toUpperCase() }); // true
 */
export function sameAccount(a: AccountRef, b: AccountRef): boolean {
  return accountKey(a) === accountKey(b);
}
