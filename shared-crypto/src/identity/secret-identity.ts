/**
 * Secret identities: version byte || ECDH scalar || ECDSA scalar (48 bytes each, big-endian),
 * and their Bech32m text form `DATACRYPT-SECRET-KEY-1...`.
 * @module
 */
import { p384 } from '@noble/curves/nist.js';
import { DataCryptError } from '../errors.js';
import { decodeBech32m, encodeBech32m } from '../encoding/bech32m.js';
import { bytesToBigInt, concatBytes, constantTimeEqual } from '../encoding/bytes.js';
import { systemRandom } from '../random.js';
import type { RandomSource } from '../random.js';
import { IDENTITY_VERSION, publicIdentityFromKeys } from './public-identity.js';
import type { PublicIdentity } from './public-identity.js';

/**
 * Length of a P-384 secret scalar.
 * @example
 * identity.signingSecret.length === P384_SCALAR_LENGTH; // 48
 */
export const P384_SCALAR_LENGTH = 48;
/**
 * Length of the binary secret identity: 1 + 48 + 48.
 * @example
 * identity.bytes.length === SECRET_IDENTITY_LENGTH; // 97
 */
export const SECRET_IDENTITY_LENGTH = 97;
/**
 * Bech32m HRP of the secret identity string (the string itself is uppercase).
 * @example
 * encodeBech32m(SECRET_IDENTITY_HRP, bytes, 'upper'); // 'DATACRYPT-SECRET-KEY-1...'
 */
export const SECRET_IDENTITY_HRP = 'datacrypt-secret-key-';

/**
 * A user's secret identity: both secret scalars plus the derived public identity.
 * @example
 * const me: SecretIdentity = await parseIdentityFile(text, passphrase);
 */
export interface SecretIdentity {
  /** The 97-byte binary encoding: 0x01 || encryptionSecret || signingSecret. */
  bytes: Uint8Array;
  /** ECDH secret scalar (HPKE recipient key), 48 bytes big-endian. */
  encryptionSecret: Uint8Array;
  /** ECDSA secret scalar, 48 bytes big-endian. */
  signingSecret: Uint8Array;
  publicIdentity: PublicIdentity;
}

const ORDER = p384.Point.Fn.ORDER;

function isValidScalar(s: Uint8Array): boolean {
  if (s.length !== P384_SCALAR_LENGTH) return false;
  const x = bytesToBigInt(s);
  return x >= 1n && x < ORDER;
}

/**
 * Builds a SecretIdentity from two secret scalars, deriving the public keys. Throws E_IDENTITY if
 * either scalar is not 48 bytes in [1, n-1], or if the two are equal.
 * @example
 * const id = secretIdentityFromScalars(ecdhScalar48, signingScalar48);
 */
export function secretIdentityFromScalars(
  encryptionSecret: Uint8Array,
  signingSecret: Uint8Array,
): SecretIdentity {
  if (!isValidScalar(encryptionSecret)) {
    throw new DataCryptError('E_IDENTITY', 'secret identity: encryption scalar not in [1, n-1]');
  }
  if (!isValidScalar(signingSecret)) {
    throw new DataCryptError('E_IDENTITY', 'secret identity: signing scalar not in [1, n-1]');
  }
  if (constantTimeEqual(encryptionSecret, signingSecret)) {
    throw new DataCryptError('E_IDENTITY', 'secret identity: the two scalars must differ');
  }
  const publicIdentity = publicIdentityFromKeys(
    p384.getPublicKey(encryptionSecret, true),
    p384.getPublicKey(signingSecret, true),
  );
  return {
    bytes: concatBytes(new Uint8Array([IDENTITY_VERSION]), encryptionSecret, signingSecret),
    encryptionSecret: encryptionSecret.slice(),
    signingSecret: signingSecret.slice(),
    publicIdentity,
  };
}

/**
 * Parses the 97-byte binary secret identity. Throws E_IDENTITY on a wrong length, a version other
 * than 0x01, or an invalid scalar.
 * @example
 * const id = secretIdentityFromBytes(bytes97);
 */
export function secretIdentityFromBytes(bytes: Uint8Array): SecretIdentity {
  if (!(bytes instanceof Uint8Array) || bytes.length !== SECRET_IDENTITY_LENGTH) {
    throw new DataCryptError(
      'E_IDENTITY',
      `secret identity: wrong length, expected ${SECRET_IDENTITY_LENGTH} bytes`,
    );
  }
  if (bytes[0] !== IDENTITY_VERSION) {
    throw new DataCryptError('E_IDENTITY', `secret identity: unsupported version ${bytes[0]}`);
  }
  return secretIdentityFromScalars(bytes.subarray(1, 49), bytes.subarray(49, 97));
}

function drawScalar(random: RandomSource): Uint8Array {
  for (let attempt = 0; attempt < 64; attempt++) {
    const candidate = random(P384_SCALAR_LENGTH);
    if (isValidScalar(candidate)) return candidate;
  }
  throw new DataCryptError('E_ARGUMENT', 'random source keeps producing invalid scalars');
}

/**
 * Generates a new identity: two independent P-384 scalars, each by rejection sampling (draw 48
 * bytes from `random`, accept if 1 <= x < n) — the ECDH scalar first, then the signing scalar
 * (redrawn in the impossible case that it equals the first).
 * @example
 * const alice = generateIdentity();                       // CSPRNG
 * const fixed = generateIdentity(seededRandom('alice'));  // reproducible, tests only
 */
export function generateIdentity(random: RandomSource = systemRandom): SecretIdentity {
  const encryptionSecret = drawScalar(random);
  let signingSecret = drawScalar(random);
  for (let i = 0; constantTimeEqual(encryptionSecret, signingSecret); i++) {
    if (i >= 64) throw new DataCryptError('E_ARGUMENT', 'random source is not random');
    signingSecret = drawScalar(random);
  }
  return secretIdentityFromScalars(encryptionSecret, signingSecret);
}

/**
 * The text form: Bech32m, HRP "datacrypt-secret-key-", UPPERCASE, no length limit.
 * @example
 * encodeSecretIdentity(id); // 'DATACRYPT-SECRET-KEY-1...'
 */
export function encodeSecretIdentity(s: SecretIdentity): string {
  return encodeBech32m(SECRET_IDENTITY_HRP, s.bytes, 'upper');
}

/**
 * Parses a `DATACRYPT-SECRET-KEY-1...` string (exactly, no surrounding whitespace). Throws
 * E_IDENTITY on: mixed case, wrong HRP, lowercase, invalid character, bad checksum, bad padding,
 * wrong length, wrong version, scalar 0 or >= n, equal scalars.
 * @example
 * const id = parseSecretIdentity('DATACRYPT-SECRET-KEY-1...');
 */
export function parseSecretIdentity(s: string): SecretIdentity {
  return secretIdentityFromBytes(decodeBech32m(s, SECRET_IDENTITY_HRP, 'upper', 'secret identity'));
}
