/**
 * STREAM nonce for chunk `index`: an 11-byte big-endian counter and a last-chunk flag (SPEC.md §6.3).
 * @example
 * chunkNonce(0, true) // 00 00 00 00 00 00 00 00 00 00 00 01
 */
export function chunkNonce(index: number, last: boolean): Uint8Array {
  const nonce = new Uint8Array(12);
  writeChunkNonce(nonce, index, last);
  return nonce;
}

/**
 * Writes the nonce into an existing 12-byte buffer (the hot path reuses one buffer).
 * @example
 * writeChunkNonce(nonce, 7, false);
 */
export function writeChunkNonce(nonce: Uint8Array, index: number, last: boolean): void {
  nonce.fill(0);
  // Indices stay below 2^53, so the top 4 counter bytes are always zero.
  const high = Math.floor(index / 2 ** 32);
  nonce[3] = (high >>> 24) & 0xff;
  nonce[4] = (high >>> 16) & 0xff;
  nonce[5] = (high >>> 8) & 0xff;
  nonce[6] = high & 0xff;
  nonce[7] = (index >>> 24) & 0xff;
  nonce[8] = (index >>> 16) & 0xff;
  nonce[9] = (index >>> 8) & 0xff;
  nonce[10] = index & 0xff;
  nonce[11] = last ? 1 : 0;
}
