/**
 * Public identities: version byte || ECDH public key || ECDSA public key (compressed SEC1, P-384),
 * and their Bech32m text form `datacrypt1...`.
 * @module
 */
import { p384 } from '@noble/curves/nist.js';
import { DataCryptError } from '../errors.js';
import { decodeBech32m, encodeBech32m } from '../encoding/bech32m.js';
import { concatBytes, constantTimeEqual } from '../encoding/bytes.js';

/**
 * Identity version byte.
 * @example
 * bytes[0] === IDENTITY_VERSION; // 0x01
 */
export const IDENTITY_VERSION = 0x01;
/**
 * Length of a compressed P-384 point.
 * @example
 * identity.encryptionKey.length === P384_COMPRESSED_LENGTH; // 49
 */
export const P384_COMPRESSED_LENGTH = 49;
/**
 * Length of the binary public identity: 1 + 49 + 49.
 * @example
 * identity.bytes.length === PUBLIC_IDENTITY_LENGTH; // 99
 */
export const PUBLIC_IDENTITY_LENGTH = 99;
/**
 * Bech32m HRP of the public identity string.
 * @example
 * encodeBech32m(PUBLIC_IDENTITY_HRP, bytes, 'lower'); // 'datacrypt1...'
 */
export const PUBLIC_IDENTITY_HRP = 'datacrypt';

/**
 * A user's public identity: encryption (ECDH) and signing (ECDSA) P-384 public keys.
 * @example
 * const bob: PublicIdentity = parsePublicIdentity('datacrypt1q...');
 */
export interface PublicIdentity {
  /** The 99-byte binary encoding: 0x01 || encryptionKey || signingKey. */
  bytes: Uint8Array;
  /** ECDH public key (HPKE recipient key), compressed SEC1, 49 bytes. */
  encryptionKey: Uint8Array;
  /** ECDSA P-384/SHA-384 verification key, compressed SEC1, 49 bytes. */
  signingKey: Uint8Array;
}

function assertPoint(key: Uint8Array, what: string): void {
  if (key.length !== P384_COMPRESSED_LENGTH || (key[0] !== 0x02 && key[0] !== 0x03)) {
    throw new DataCryptError('E_IDENTITY', `${what}: not a compressed P-384 point`);
  }
  try {
    const point = p384.Point.fromBytes(key);
    if (point.is0()) throw new Error('identity point');
    point.assertValidity();
  } catch (cause) {
    throw new DataCryptError('E_IDENTITY', `${what}: not a point on P-384`, { cause });
  }
}

/**
 * Builds a PublicIdentity from its two compressed public keys, validating both points.
 * Throws E_IDENTITY if either is not a valid compressed P-384 point or if they are equal.
 * @example
 * const pub = publicIdentityFromKeys(p384.getPublicKey(ecdhSk), p384.getPublicKey(sigSk));
 */
export function publicIdentityFromKeys(
  encryptionKey: Uint8Array,
  signingKey: Uint8Array,
): PublicIdentity {
  assertPoint(encryptionKey, 'encryption key');
  assertPoint(signingKey, 'signing key');
  if (constantTimeEqual(encryptionKey, signingKey)) {
    throw new DataCryptError('E_IDENTITY', 'encryption and signing keys must differ');
  }
  const bytes = concatBytes(new Uint8Array([IDENTITY_VERSION]), encryptionKey, signingKey);
  return { bytes, encryptionKey: encryptionKey.slice(), signingKey: signingKey.slice() };
}

/**
 * Parses the 99-byte binary public identity. Throws E_IDENTITY on a wrong length, a version
 * other than 0x01, an invalid point, or two equal keys.
 * @example
 * const pub = publicIdentityFromBytes(bytes99);
 */
export function publicIdentityFromBytes(bytes: Uint8Array): PublicIdentity {
  if (!(bytes instanceof Uint8Array) || bytes.length !== PUBLIC_IDENTITY_LENGTH) {
    throw new DataCryptError(
      'E_IDENTITY',
      `public identity: wrong length ${bytes.length}, expected ${PUBLIC_IDENTITY_LENGTH} bytes`,
    );
  }
  if (bytes[0] !== IDENTITY_VERSION) {
    throw new DataCryptError('E_IDENTITY', `public identity: unsupported version ${bytes[0]}`);
  }
  return publicIdentityFromKeys(bytes.subarray(1, 50), bytes.subarray(50, 99));
}

/**
 * The text form: Bech32m, HRP "datacrypt", lowercase, no length limit.
 * @example
 * encodePublicIdentity(identity.publicIdentity); // 'datacrypt1q...'
 */
export function encodePublicIdentity(p: PublicIdentity): string {
  return encodeBech32m(PUBLIC_IDENTITY_HRP, p.bytes, 'lower');
}

/**
 * Parses a `datacrypt1...` string (exactly, no surrounding whitespace). Throws E_IDENTITY with a
 * specific message on: mixed case, missing separator, wrong HRP (including a secret key pasted by
 * mistake), uppercase, invalid character, bad checksum, bad padding, wrong length, wrong version,
 * invalid point.
 * @example
 * const bob = parsePublicIdentity('datacrypt1q...');
 */
export function parsePublicIdentity(s: string): PublicIdentity {
  if (typeof s === 'string' && s.toLowerCase().startsWith('datacrypt-secret-key-1')) {
    throw new DataCryptError(
      'E_IDENTITY',
      'public identity: this is a SECRET key, not a public identity (never share it)',
    );
  }
  return publicIdentityFromBytes(decodeBech32m(s, PUBLIC_IDENTITY_HRP, 'lower', 'public identity'));
}

/**
 * Compares two public identities in constant time (over their 99-byte encodings).
 * @example
 * if (!publicIdentitiesEqual(pinned, sender)) throw new DataCryptError('E_SIGNATURE');
 */
export function publicIdentitiesEqual(a: PublicIdentity, b: PublicIdentity): boolean {
  return constantTimeEqual(a.bytes, b.bytes);
}

/**
 * Accepts a PublicIdentity or its string form and returns the PublicIdentity.
 * @example
 * const pub = toPublicIdentity('datacrypt1q...');
 */
export function toPublicIdentity(p: PublicIdentity | string): PublicIdentity {
  return typeof p === 'string' ? parsePublicIdentity(p) : publicIdentityFromBytes(p.bytes);
}
