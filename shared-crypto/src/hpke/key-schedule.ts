/**
 * HPKE suites, the base-mode KeySchedule (RFC 9180 §5.1) and the context's Seal/Open with
 * ComputeNonce (§5.2).
 * @module
 */
import { concatBytes, u16be } from '../encoding/bytes.js';
import { aeadOpen, aeadSeal } from './aead.js';
import type { HpkeAead } from './aead.js';
import type { Dhkem } from './dhkem.js';
import { labeledExpand, labeledExtract } from './kdf.js';
import type { HpkeKdf } from './kdf.js';

/**
 * mode_base (RFC 9180 §5). The only mode DataCrypt uses.
 * @example
 * const context = concatBytes(new Uint8Array([MODE_BASE]), pskIdHash, infoHash);
 */
export const MODE_BASE = 0x00;

/**
 * A full HPKE ciphersuite.
 * @example
 * const suite: HpkeSuite = { kem: DHKEM_P384_HKDF_SHA384, kdf: HKDF_SHA384, aead: AES_256_GCM };
 */
export interface HpkeSuite {
  readonly kem: Dhkem;
  readonly kdf: HpkeKdf;
  readonly aead: HpkeAead;
}

/**
 * suite_id = "HPKE" || I2OSP(kem_id, 2) || I2OSP(kdf_id, 2) || I2OSP(aead_id, 2).
 * @example
 * hpkeSuiteId(P384_SUITE); // "HPKE" 00 11 00 02 00 02
 */
export function hpkeSuiteId(suite: HpkeSuite): Uint8Array {
  return concatBytes(
    new TextEncoder().encode('HPKE'),
    u16be(suite.kem.id),
    u16be(suite.kdf.id),
    u16be(suite.aead.id),
  );
}

/**
 * The encryption context a base-mode KeySchedule produces.
 * @example
 * const ctx: HpkeContext = keyScheduleBase(P384_SUITE, sharedSecret, info);
 */
export interface HpkeContext {
  readonly suite: HpkeSuite;
  readonly key: Uint8Array;
  readonly baseNonce: Uint8Array;
  readonly exporterSecret: Uint8Array;
}

/**
 * RFC 9180 §5.1 KeySchedule for mode_base (psk = psk_id = empty).
 * @example
 * const ctx = keyScheduleBase(P384_SUITE, sharedSecret, info);
 */
export function keyScheduleBase(
  suite: HpkeSuite,
  sharedSecret: Uint8Array,
  info: Uint8Array,
): HpkeContext {
  const suiteId = hpkeSuiteId(suite);
  const { kdf, aead } = suite;
  const empty = new Uint8Array(0);
  const pskIdHash = labeledExtract(kdf, suiteId, empty, 'psk_id_hash', empty);
  const infoHash = labeledExtract(kdf, suiteId, empty, 'info_hash', info);
  const context = concatBytes(new Uint8Array([MODE_BASE]), pskIdHash, infoHash);
  const secret = labeledExtract(kdf, suiteId, sharedSecret, 'secret', empty);
  const key = labeledExpand(kdf, suiteId, secret, 'key', context, aead.Nk);
  const baseNonce = labeledExpand(kdf, suiteId, secret, 'base_nonce', context, aead.Nn);
  const exporterSecret = labeledExpand(kdf, suiteId, secret, 'exp', context, kdf.Nh);
  secret.fill(0);
  return { suite, key, baseNonce, exporterSecret };
}

/**
 * RFC 9180 §5.2 ComputeNonce(seq) = base_nonce XOR I2OSP(seq, Nn), for 0 <= seq < 2^53.
 * @example
 * computeNonce(ctx.baseNonce, 1);
 */
export function computeNonce(baseNonce: Uint8Array, seq: number): Uint8Array {
  const nonce = baseNonce.slice();
  let s = seq;
  for (let i = nonce.length - 1; i >= 0 && s > 0; i--) {
    nonce[i] ^= s % 256;
    s = Math.floor(s / 256);
  }
  return nonce;
}

/**
 * Context Seal(aad, pt) for sequence number `seq` (RFC 9180 §5.2).
 * @example
 * const ct0 = contextSeal(ctx, 0, aad, pt);
 */
export function contextSeal(
  ctx: HpkeContext,
  seq: number,
  aad: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  return aeadSeal(ctx.key, computeNonce(ctx.baseNonce, seq), aad, plaintext);
}

/**
 * Context Open(aad, ct) for sequence number `seq`; null when authentication fails.
 * @example
 * const pt = contextOpen(ctx, 0, aad, ct);
 */
export function contextOpen(
  ctx: HpkeContext,
  seq: number,
  aad: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array | null {
  return aeadOpen(ctx.key, computeNonce(ctx.baseNonce, seq), aad, ciphertext);
}
