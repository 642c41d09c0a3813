/**
 * The seam between the format and its bulk primitives: AES-256-GCM for chunks and SHA-256 for chunk
 * digests. `nodeChunkCipher` (node:crypto, the fast path) and `nobleChunkCipher` (the portable
 * reference) produce identical bytes; tests hold them to it.
 */
export interface ChunkCipher {
  readonly name: string;
  /** AES-256-GCM: returns ciphertext || 16-byte tag. */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Returns the plaintext, or null when authentication fails. */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Uint8Array | null;
  sha256(data: Uint8Array): Uint8Array;
}
