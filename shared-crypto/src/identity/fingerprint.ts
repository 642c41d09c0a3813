/**
 * Identity fingerprints: SHA-256("datacrypt/v1 fingerprint" || 0x00 || public identity bytes).
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { chunkString, concatBytes, toHex } from '../encoding/bytes.js';
import { toPublicIdentity } from './public-identity.js';
import type { PublicIdentity } from './public-identity.js';

const FINGERPRINT_LABEL = new TextEncoder().encode('datacrypt/v1 fingerprint');

/**
 * The 32-byte fingerprint of a public identity.
 * @example
 * fingerprintBytes(alice.publicIdentity); // Uint8Array(32)
 */
export function fingerprintBytes(p: PublicIdentity): Uint8Array {
  return sha256(concatBytes(FINGERPRINT_LABEL, new Uint8Array([0]), p.bytes));
}

/**
 * The fingerprint for display: 64 lowercase hex digits in 16 groups of 4 separated by one space.
 * Accepts a PublicIdentity or a `datacrypt1...` string (E_IDENTITY if the string is invalid).
 * @example
 * fingerprint('datacrypt1q...'); // '3f2a 9c01 ... 7be4'
 */
export function fingerprint(p: PublicIdentity | string): string {
  const hex = toHex(fingerprintBytes(toPublicIdentity(p)));
  return chunkString(hex, 4).join(' ');
}
