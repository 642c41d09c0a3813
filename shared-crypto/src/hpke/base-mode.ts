/**
 * Single-shot base-mode HPKE (RFC 9180 §6.1) for any DHKEM-over-NIST suite.
 * @module
 */
import { DataCryptError } from '../errors.js';
import { systemRandom } from '../random.js';
import type { RandomSource } from '../random.js';
import { AES_128_GCM, AES_256_GCM } from './aead.js';
import {
  decap,
  DHKEM_P256_HKDF_SHA256,
  DHKEM_P384_HKDF_SHA384,
  DHKEM_P521_HKDF_SHA512,
  encap,
} from './dhkem.js';
import { HKDF_SHA256, HKDF_SHA384, HKDF_SHA512 } from './kdf.js';
import { contextOpen, contextSeal, keyScheduleBase } from './key-schedule.js';
import type { HpkeSuite } from './key-schedule.js';

/**
 * DHKEM(P-384, HKDF-SHA384) / HKDF-SHA384 / AES-256-GCM: the DataCrypt v1 suite (0x0011/0x0002/0x0002).
 * @example
 * sealBase(P384_SUITE, pkR, info, aad, pt);
 */
export const P384_SUITE: HpkeSuite = Object.freeze({
  kem: DHKEM_P384_HKDF_SHA384,
  kdf: HKDF_SHA384,
  aead: AES_256_GCM,
});
/**
 * DHKEM(P-256, HKDF-SHA256) / HKDF-SHA256 / AES-128-GCM (RFC 9180 A.3; used for the RFC vectors).
 * @example
 * sealBase(P256_SUITE, pkR, info, aad, pt, { ephemeralIkm: ikmE });
 */
export const P256_SUITE: HpkeSuite = Object.freeze({
  kem: DHKEM_P256_HKDF_SHA256,
  kdf: HKDF_SHA256,
  aead: AES_128_GCM,
});
/**
 * DHKEM(P-521, HKDF-SHA512) / HKDF-SHA512 / AES-256-GCM (RFC 9180 A.6).
 * @example
 * sealBase(P521_SUITE, pkR, info, aad, pt);
 */
export const P521_SUITE: HpkeSuite = Object.freeze({
  kem: DHKEM_P521_HKDF_SHA512,
  kdf: HKDF_SHA512,
  aead: AES_256_GCM,
});

/**
 * Output of a single-shot Seal: the encapsulated key and the AEAD ciphertext (with tag).
 * @example
 * const { enc, ciphertext }: HpkeSealed = sealBase(P384_SUITE, pkR, info, aad, pt);
 */
export interface HpkeSealed {
  enc: Uint8Array;
  ciphertext: Uint8Array;
}

/**
 * Options of sealBase.
 * @example
 * sealBase(P384_SUITE, pkR, info, aad, pt, { random: seededRandom('v1') });
 */
export interface HpkeSealOptions {
  /** Where the ephemeral ikm comes from when `ephemeralIkm` is absent (default: systemRandom). */
  random?: RandomSource;
  /** Input keying material for DeriveKeyPair of the ephemeral key (>= Nsk bytes); deterministic. */
  ephemeralIkm?: Uint8Array;
}

/**
 * RFC 9180 §6.1 SealBase(pkR, info, aad, pt) = SetupBaseS + context Seal at sequence 0.
 * The ephemeral key is DeriveKeyPair(ephemeralIkm), or of Nsk fresh bytes from `random`.
 * Throws E_ARGUMENT if pkR is not a valid point or ephemeralIkm is shorter than Nsk.
 * @example
 * const { enc, ciphertext } = sealBase(P384_SUITE, pkR, info, aad, fileKey);
 */
export function sealBase(
  suite: HpkeSuite,
  recipientPublicKey: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  opts: HpkeSealOptions = {},
): HpkeSealed {
  const ikmE = opts.ephemeralIkm ?? (opts.random ?? systemRandom)(suite.kem.Nsk);
  if (ikmE.length < suite.kem.Nsk) {
    throw new DataCryptError('E_ARGUMENT', `ephemeralIkm must be at least ${suite.kem.Nsk} bytes`);
  }
  const { sharedSecret, enc } = encap(suite.kem, recipientPublicKey, ikmE);
  const ctx = keyScheduleBase(suite, sharedSecret, info);
  sharedSecret.fill(0);
  const ciphertext = contextSeal(ctx, 0, aad, plaintext);
  ctx.key.fill(0);
  return { enc, ciphertext };
}

/**
 * RFC 9180 §6.1 OpenBase(enc, skR, info, aad, ct). Returns null when enc is not a valid
 * uncompressed point or when the AEAD open fails: both mean "not for this key".
 * Throws E_ARGUMENT only if skR itself is not a valid secret scalar.
 * @example
 * const pt = openBase(P384_SUITE, enc, skR, info, aad, ct); // null if not ours
 */
export function openBase(
  suite: HpkeSuite,
  enc: Uint8Array,
  recipientSecretKey: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array | null {
  const sharedSecret = decap(suite.kem, enc, recipientSecretKey);
  if (sharedSecret === null) return null;
  const ctx = keyScheduleBase(suite, sharedSecret, info);
  sharedSecret.fill(0);
  const plaintext = contextOpen(ctx, 0, aad, ciphertext);
  ctx.key.fill(0);
  return plaintext;
}
