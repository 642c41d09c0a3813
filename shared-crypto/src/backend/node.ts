import * as nodeCrypto from 'node:crypto';
import type { ChunkCipher } from './chunk-cipher.js';

/**
 * Fast chunk cipher on node:crypto (OpenSSL with AES-NI/VAES and SHA-NI).
 * @example
 * const sealed = nodeChunkCipher.seal(key, chunkNonce(0, true), data);
 */
export const nodeChunkCipher: ChunkCipher = {
  name: 'node',
  seal: (key, nonce, plaintext) => {
    const cipher = nodeCrypto.createCipheriv('aes-256-gcm', key, nonce);
    const head = cipher.update(plaintext);
    const tail = cipher.final();
    const tag = cipher.getAuthTag();
    const out = new Uint8Array(head.length + tail.length + tag.length);
    out.set(head, 0);
    out.set(tail, head.length);
    out.set(tag, head.length + tail.length);
    return out;
  },
  open: (key, nonce, sealed) => {
    if (sealed.length < 16) return null;
    const decipher = nodeCrypto.createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const head = decipher.update(sealed.subarray(0, sealed.length - 16));
    try {
      const tail = decipher.final();
      return tail.length === 0
        ? new Uint8Array(head.buffer, head.byteOffset, head.length)
        : Buffer.concat([head, tail]);
    } catch {
      return null;
    }
  },
  sha256: (data) => {
    const digest = nodeCrypto.createHash('sha256').update(data).digest();
    return new Uint8Array(digest.buffer, digest.byteOffset, digest.length);
  },
};
