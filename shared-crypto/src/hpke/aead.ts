/**
 * HPKE AEADs (RFC 9180 §7.3): AES-128-GCM and AES-256-GCM on @noble/ciphers.
 * @module
 */
import { gcm } from '@noble/ciphers/aes.js';

/**
 * An AEAD instantiation: its RFC 9180 aead_id, key length Nk, nonce length Nn, tag length Nt.
 * @example
 * const aead: HpkeAead = AES_256_GCM;
 */
export interface HpkeAead {
  readonly id: number;
  readonly Nk: number;
  readonly Nn: number;
  readonly Nt: number;
}

/**
 * AES-128-GCM, aead_id 0x0001.
 * @example
 * AES_128_GCM.Nk; // 16
 */
export const AES_128_GCM: HpkeAead = Object.freeze({ id: 0x0001, Nk: 16, Nn: 12, Nt: 16 });
/**
 * AES-256-GCM, aead_id 0x0002 (the DataCrypt suite).
 * @example
 * AES_256_GCM.Nk; // 32
 */
export const AES_256_GCM: HpkeAead = Object.freeze({ id: 0x0002, Nk: 32, Nn: 12, Nt: 16 });

/**
 * Seal(key, nonce, aad, pt): ciphertext || 16-byte tag.
 * @example
 * const ct = aeadSeal(key, nonce, aad, plaintext);
 */
export function aeadSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  return gcm(key, nonce, aad).encrypt(plaintext);
}

/**
 * Open(key, nonce, aad, ct): the plaintext, or null when authentication fails.
 * @example
 * const pt = aeadOpen(key, nonce, aad, ct); // null if tampered
 */
export function aeadOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array | null {
  if (ciphertext.length < 16) return null;
  try {
    return gcm(key, nonce, aad).decrypt(ciphertext);
  } catch {
    return null;
  }
}
