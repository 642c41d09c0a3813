/**
 * Keys: the KeyStore port, its keychain and passphrase-file adapters, the factory that picks one,
 * backups and rotation.
 * @module
 */
export * from './account.js';
export type * from './key-store.js';
export { MAX_TOKEN_BYTES } from './stored-identity.js';
export type { Keytar } from './keytar.js';
export { loadKeytar } from './keytar.js';
export * from './keychain-key-store.js';
export * from './passphrase-file-key-store.js';
export * from './open-key-store.js';
export * from './backup.js';
export * from './rotation.js';
