/**
 * The DataCrypt v1 HPKE suite: base mode, DHKEM(P-384, HKDF-SHA384) (kem_id 0x0011),
 * HKDF-SHA384 (kdf_id 0x0002), AES-256-GCM (aead_id 0x0002).
 * @module
 */
import type { RandomSource } from '../random.js';
import { openBase, P384_SUITE, sealBase } from './base-mode.js';
import type { HpkeSealed } from './base-mode.js';
import { deriveKeyPair, DHKEM_P384_HKDF_SHA384 } from './dhkem.js';

/**
 * Seals `plaintext` to a P-384 public key (compressed 49 B or uncompressed 97 B accepted).
 * `enc` is the 97-byte uncompressed ephemeral public key; `ciphertext` = AES-256-GCM output with
 * its 16-byte tag. `ephemeralIkm` (>= 48 bytes) makes it deterministic; by default 48 bytes are
 * drawn from `random` (default: the system CSPRNG). Throws E_ARGUMENT for an invalid recipient key
 * or a short ephemeralIkm.
 * @example
 * const { enc, ciphertext } = hpkeSealP384(recipient.encryptionKey, info, aad, fileKey);
 */
export function hpkeSealP384(
  recipientPublicKey: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  opts?: { random?: RandomSource; ephemeralIkm?: Uint8Array },
): HpkeSealed {
  return sealBase(P384_SUITE, recipientPublicKey, info, aad, plaintext, opts);
}

/**
 * Opens a base-mode P-384 HPKE ciphertext. Returns null — never throws — when `enc` is not a
 * valid 97-byte uncompressed P-384 point or when AEAD authentication fails, so that a stanza
 * addressed to somebody else never aborts the search. Throws E_ARGUMENT only when
 * `recipientSecretKey` is not a 48-byte scalar in [1, n-1].
 * @example
 * const fileKey = hpkeOpenP384(identity.encryptionSecret, enc, info, aad, ct);
 * if (fileKey === null) tryNextStanza();
 */
export function hpkeOpenP384(
  recipientSecretKey: Uint8Array,
  enc: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array | null {
  return openBase(P384_SUITE, enc, recipientSecretKey, info, aad, ciphertext);
}

/**
 * RFC 9180 §7.1.3 DeriveKeyPair for DHKEM(P-384, HKDF-SHA384): a 48-byte secret scalar and the
 * 97-byte uncompressed public key. Throws E_ARGUMENT if ikm is shorter than 48 bytes.
 * @example
 * const { secretKey, publicKey } = hpkeDeriveKeyPairP384(seed48);
 */
export function hpkeDeriveKeyPairP384(ikm: Uint8Array): {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
} {
  return deriveKeyPair(DHKEM_P384_HKDF_SHA384, ikm);
}
