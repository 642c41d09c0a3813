import { gcm } from '@noble/ciphers/aes.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { ChunkCipher } from './chunk-cipher.js';

/**
 * Reference chunk cipher on @noble (pure JS, ~27 MB/s): used to cross-check the fast path and
 * where node:crypto does not exist.
 * @example
 * const sealed = nobleChunkCipher.seal(key, chunkNonce(0, true), data);
 */
export const nobleChunkCipher: ChunkCipher = {
  name: 'noble',
  seal: (key, nonce, plaintext) => gcm(key, nonce).encrypt(plaintext),
  open: (key, nonce, sealed) => {
    try {
      return gcm(key, nonce).decrypt(sealed);
    } catch {
      return null;
    }
  },
  sha256: (data) => sha256(data),
};
