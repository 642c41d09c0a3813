/**
 * HPKE (RFC 9180), base mode, on @noble. DataCrypt uses the P-384 suite; P-256 and P-521 exist so
 * the generic DHKEM can be checked against the RFC's vectors.
 * @module
 */
export { hpkeSealP384, hpkeOpenP384, hpkeDeriveKeyPairP384 } from './p384.js';
export { sealBase, openBase, P256_SUITE, P384_SUITE, P521_SUITE } from './base-mode.js';
export type { HpkeSealed, HpkeSealOptions } from './base-mode.js';
export {
  deriveKeyPair,
  encap,
  decap,
  extractAndExpand,
  normalizePublicKey,
  deserializePublicKey,
  DHKEM_P256_HKDF_SHA256,
  DHKEM_P384_HKDF_SHA384,
  DHKEM_P521_HKDF_SHA512,
} from './dhkem.js';
export type { Dhkem, DhkemKeyPair } from './dhkem.js';
export { labeledExtract, labeledExpand, HKDF_SHA256, HKDF_SHA384, HKDF_SHA512 } from './kdf.js';
export type { HpkeKdf } from './kdf.js';
export { aeadSeal, aeadOpen, AES_128_GCM, AES_256_GCM } from './aead.js';
export type { HpkeAead } from './aead.js';
export {
  keyScheduleBase,
  computeNonce,
  contextSeal,
  contextOpen,
  hpkeSuiteId,
  MODE_BASE,
} from './key-schedule.js';
export type { HpkeSuite, HpkeContext } from './key-schedule.js';
