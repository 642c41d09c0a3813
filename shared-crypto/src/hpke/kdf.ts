/**
 * HPKE key derivation functions (RFC 9180 §7.2) and the labeled HKDF wrappers of §4.
 * @module
 */
import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { CHash } from '@noble/hashes/utils.js';
import { concatBytes, u16be } from '../encoding/bytes.js';

/**
 * An HKDF instantiation: its RFC 9180 kdf_id, hash, and Nh (hash output length).
 * @example
 * const kdf: HpkeKdf = HKDF_SHA384; // kdf.Nh === 48
 */
export interface HpkeKdf {
  readonly id: number;
  readonly hash: CHash;
  readonly Nh: number;
}

/**
 * HKDF-SHA256, kdf_id 0x0001.
 * @example
 * HKDF_SHA256.Nh; // 32
 */
export const HKDF_SHA256: HpkeKdf = Object.freeze({ id: 0x0001, hash: sha256, Nh: 32 });
/**
 * HKDF-SHA384, kdf_id 0x0002 (the DataCrypt suite).
 * @example
 * HKDF_SHA384.Nh; // 48
 */
export const HKDF_SHA384: HpkeKdf = Object.freeze({ id: 0x0002, hash: sha384, Nh: 48 });
/**
 * HKDF-SHA512, kdf_id 0x0003.
 * @example
 * HKDF_SHA512.Nh; // 64
 */
export const HKDF_SHA512: HpkeKdf = Object.freeze({ id: 0x0003, hash: sha512, Nh: 64 });

const HPKE_V1 = new TextEncoder().encode('HPKE-v1');
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * RFC 9180 §4: LabeledExtract(salt, label, ikm) =
 * Extract(salt, "HPKE-v1" || suite_id || label || ikm). An empty salt means Nh zero bytes (HKDF).
 * @example
 * const prk = labeledExtract(HKDF_SHA384, suiteId, new Uint8Array(0), 'dkp_prk', ikm);
 */
export function labeledExtract(
  kdf: HpkeKdf,
  suiteId: Uint8Array,
  salt: Uint8Array,
  label: string,
  ikm: Uint8Array,
): Uint8Array {
  return extract(kdf.hash, concatBytes(HPKE_V1, suiteId, utf8(label), ikm), salt);
}

/**
 * RFC 9180 §4: LabeledExpand(prk, label, info, L) =
 * Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L).
 * @example
 * const key = labeledExpand(HKDF_SHA384, suiteId, secret, 'key', context, 32);
 */
export function labeledExpand(
  kdf: HpkeKdf,
  suiteId: Uint8Array,
  prk: Uint8Array,
  label: string,
  info: Uint8Array,
  length: number,
): Uint8Array {
  const labeledInfo = concatBytes(u16be(length), HPKE_V1, suiteId, utf8(label), info);
  return expand(kdf.hash, prk, labeledInfo, length);
}
