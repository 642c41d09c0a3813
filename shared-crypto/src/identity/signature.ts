/**
 * Detached ECDSA P-384/SHA-384 signatures with an identity's signing key: deterministic k
 * (RFC 6979), low-S, 96-byte r || s. The caller is responsible for domain separation of `message`.
 * @module
 */
import { p384 } from '@noble/curves/nist.js';
import type { PublicIdentity } from './public-identity.js';
import type { SecretIdentity } from './secret-identity.js';

/**
 * Length of a compact P-384 signature r || s.
 * @example
 * signDetached(alice, message).length === SIGNATURE_LENGTH; // 96
 */
export const SIGNATURE_LENGTH = 96;

/**
 * Signs SHA-384(message) with the identity's signing scalar: ECDSA P-384, RFC 6979 deterministic
 * nonce, s normalized to the low half (s <= n/2), output r || s (48 + 48 bytes, big-endian).
 * @example
 * const sig = signDetached(alice, message); // 96 bytes, same every time
 */
export function signDetached(s: SecretIdentity, message: Uint8Array): Uint8Array {
  return p384.sign(message, s.signingSecret, { prehash: true, lowS: true, format: 'compact' });
}

/**
 * Verifies a 96-byte r || s signature over SHA-384(message) against the identity's signing key.
 * Returns false (never throws) for a malformed, high-S, or wrong signature.
 * @example
 * if (!verifyDetached(alice.publicIdentity, message, sig)) throw new DataCryptError('E_SIGNATURE');
 */
export function verifyDetached(
  p: PublicIdentity,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_LENGTH) return false;
  try {
    return p384.verify(signature, message, p.signingKey, {
      prehash: true,
      lowS: true,
      format: 'compact',
    });
  } catch {
    return false;
  }
}
