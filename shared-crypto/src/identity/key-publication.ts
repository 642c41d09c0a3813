/**
 * Key publications: a user's signed statement "this public identity belongs to this email",
 * stored by the relay's key directory.
 * @module
 */
import { DataCryptError } from '../errors.js';
import { decodeBase64Url, encodeBase64Url } from '../encoding/base64.js';
import { concatBytes, u16be, u64be } from '../encoding/bytes.js';
import { encodePublicIdentity, parsePublicIdentity } from './public-identity.js';
import type { PublicIdentity } from './public-identity.js';
import type { SecretIdentity } from './secret-identity.js';
import { SIGNATURE_LENGTH, signDetached, verifyDetached } from './signature.js';

/**
 * A signed key publication (JSON-serializable).
 * @example
 * const pub: KeyPublication = signKeyPublication(alice, 'alice@example.com', Date.now());
 */
export interface KeyPublication {
  v: 1;
  /** Normalized email (trimmed, lowercased). */
  email: string;
  /** The `datacrypt1...` public identity string. */
  publicIdentity: string;
  /** Integer milliseconds since the Unix epoch, 0 <= createdAt < 2^53. */
  createdAt: number;
  /** ECDSA P-384/SHA-384 r || s (96 bytes), base64url without padding. */
  signature: string;
}

const LABEL = new TextEncoder().encode('datacrypt/v1 key publication');
const MAX_EMAIL_BYTES = 254;

/**
 * Normalizes an email for key publication: trims leading/trailing whitespace (String.prototype.trim)
 * and lowercases (String.prototype.toLowerCase). Throws E_ARGUMENT if the result is empty, longer
 * than 254 UTF-8 bytes, contains whitespace or control characters, or is not `local@domain` with
 * exactly one "@" and both parts non-empty.
 * @example
 * normalizeEmail('  Alice@Example.COM '); // 'alice@example.com'
 */
export function normalizeEmail(email: string): string {
  if (typeof email !== 'string') throw new DataCryptError('E_ARGUMENT', 'email must be a string');
  const e = email.trim().toLowerCase();
  const bytes = new TextEncoder().encode(e).length;
  if (bytes === 0 || bytes > MAX_EMAIL_BYTES) {
    throw new DataCryptError('E_ARGUMENT', `email must be 1..${MAX_EMAIL_BYTES} bytes`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/u.test(e)) {
    throw new DataCryptError('E_ARGUMENT', 'email contains whitespace or control characters');
  }
  const at = e.indexOf('@');
  if (at <= 0 || at !== e.lastIndexOf('@') || at === e.length - 1) {
    throw new DataCryptError('E_ARGUMENT', 'email must be local@domain');
  }
  return e;
}

function assertCreatedAt(createdAt: number): void {
  if (typeof createdAt !== 'number' || !Number.isSafeInteger(createdAt) || createdAt < 0) {
    throw new DataCryptError('E_ARGUMENT', 'createdAt must be an integer in 0..2^53-1 (ms)');
  }
}

/**
 * The exact bytes a key publication signs:
 * "datacrypt/v1 key publication" || 0x00 || u16be(len(email)) || email || u64be(createdAt) ||
 * public identity bytes (99). `email` must already be normalized.
 * @example
 * const msg = keyPublicationMessage('alice@example.com', Date.now(), alice.publicIdentity);
 */
export function keyPublicationMessage(
  email: string,
  createdAt: number,
  publicIdentity: PublicIdentity,
): Uint8Array {
  const emailBytes = new TextEncoder().encode(email);
  return concatBytes(
    LABEL,
    new Uint8Array([0]),
    u16be(emailBytes.length),
    emailBytes,
    u64be(createdAt),
    publicIdentity.bytes,
  );
}

/**
 * Signs a key publication for `email` (normalized first) at `createdAt` (ms since epoch).
 * Deterministic. Throws E_ARGUMENT for an invalid email or createdAt.
 * @example
 * const pub = signKeyPublication(alice, 'alice@example.com', Date.now());
 * await fetch(relay + '/keys', { method: 'PUT', body: JSON.stringify(pub) });
 */
export function signKeyPublication(
  s: SecretIdentity,
  email: string,
  createdAt: number,
): KeyPublication {
  const normalized = normalizeEmail(email);
  assertCreatedAt(createdAt);
  const message = keyPublicationMessage(normalized, createdAt, s.publicIdentity);
  return {
    v: 1,
    email: normalized,
    publicIdentity: encodePublicIdentity(s.publicIdentity),
    createdAt,
    signature: encodeBase64Url(signDetached(s, message)),
  };
}

/**
 * Verifies a key publication; returns normally when valid. Throws, in this order:
 * E_ARGUMENT if it is not an object, `v` is not 1, `email` is not normalized or invalid, or
 * `createdAt` is out of range; E_IDENTITY if `publicIdentity` does not parse; E_SIGNATURE if
 * `signature` is not canonical base64url of exactly 96 bytes or does not verify.
 * @example
 * verifyKeyPublication(JSON.parse(body)); // throws DataCryptError if forged
 */
export function verifyKeyPublication(p: KeyPublication): void {
  if (typeof p !== 'object' || (p as unknown) === null) {
    throw new DataCryptError('E_ARGUMENT', 'key publication must be an object');
  }
  if ((p.v as unknown) !== 1) {
    throw new DataCryptError('E_ARGUMENT', 'key publication: unsupported version');
  }
  if (typeof p.email !== 'string' || normalizeEmail(p.email) !== p.email) {
    throw new DataCryptError('E_ARGUMENT', 'key publication: email is not normalized');
  }
  assertCreatedAt(p.createdAt);
  if (typeof p.publicIdentity !== 'string') {
    throw new DataCryptError('E_IDENTITY', 'key publication: publicIdentity must be a string');
  }
  const publicIdentity = parsePublicIdentity(p.publicIdentity);
  if (typeof p.signature !== 'string') {
    throw new DataCryptError('E_SIGNATURE', 'key publication: signature must be a string');
  }
  const signature = decodeBase64Url(p.signature, 'E_SIGNATURE');
  if (signature.length !== SIGNATURE_LENGTH) {
    throw new DataCryptError('E_SIGNATURE', 'key publication: signature must be 96 bytes');
  }
  const message = keyPublicationMessage(p.email, p.createdAt, publicIdentity);
  if (!verifyDetached(publicIdentity, message, signature)) {
    throw new DataCryptError('E_SIGNATURE', 'key publication: signature does not verify');
  }
}
