/**
 * DataCrypt identities: two independent P-384 key pairs (ECDH for HPKE, ECDSA/SHA-384 for
 * signatures), their text and file encodings, fingerprints, safety numbers, key publications.
 * @module
 */
export {
  encodePublicIdentity,
  parsePublicIdentity,
  publicIdentityFromBytes,
  publicIdentityFromKeys,
  publicIdentitiesEqual,
  toPublicIdentity,
  IDENTITY_VERSION,
  P384_COMPRESSED_LENGTH,
  PUBLIC_IDENTITY_HRP,
  PUBLIC_IDENTITY_LENGTH,
} from './public-identity.js';
export type { PublicIdentity } from './public-identity.js';
export {
  generateIdentity,
  encodeSecretIdentity,
  parseSecretIdentity,
  secretIdentityFromBytes,
  secretIdentityFromScalars,
  SECRET_IDENTITY_HRP,
  P384_SCALAR_LENGTH,
  SECRET_IDENTITY_LENGTH,
} from './secret-identity.js';
export type { SecretIdentity } from './secret-identity.js';
export { formatIdentityFile, parseIdentityFile } from './identity-file.js';
export {
  encryptIdentityFile,
  decryptIdentityFile,
  isEncryptedIdentityFile,
  DEFAULT_SCRYPT_PARAMS,
  ENCRYPTED_IDENTITY_LENGTH,
  SCRYPT_MAX_MEMORY,
  SCRYPT_MAX_WORK,
  ARMOR_BEGIN,
  ARMOR_END,
} from './encrypted-identity-file.js';
export type { ScryptParams } from './encrypted-identity-file.js';
export { fingerprint, fingerprintBytes } from './fingerprint.js';
export { safetyNumber, safetyDigits, SAFETY_NUMBER_ITERATIONS } from './safety-number.js';
export type { SafetyNumber } from './safety-number.js';
export { signDetached, verifyDetached, SIGNATURE_LENGTH } from './signature.js';
export {
  signKeyPublication,
  verifyKeyPublication,
  keyPublicationMessage,
  normalizeEmail,
} from './key-publication.js';
export type { KeyPublication } from './key-publication.js';
