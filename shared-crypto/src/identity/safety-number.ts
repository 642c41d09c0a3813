/**
 * Safety numbers (Signal-style) for a pair of identities: 60 digits, the same for (A, B) and
 * (B, A), plus a QR payload. Two users compare them to rule out a key substitution.
 * @module
 */
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToBigInt, chunkString, concatBytes, toHex } from '../encoding/bytes.js';
import { fingerprintBytes } from './fingerprint.js';
import { toPublicIdentity } from './public-identity.js';
import type { PublicIdentity } from './public-identity.js';

const SAFETY_LABEL = new TextEncoder().encode('datacrypt/v1 safety number');
/**
 * Number of SHA-512 invocations per identity (h_0 .. h_5199).
 * @example
 * // h_0 .. h_(SAFETY_NUMBER_ITERATIONS - 1): 5200 SHA-512 calls per identity
 */
export const SAFETY_NUMBER_ITERATIONS = 5200;

/**
 * A safety number in its three forms.
 * @example
 * const { display, qrPayload }: SafetyNumber = safetyNumber(alice, bob);
 */
export interface SafetyNumber {
  /** 60 decimal digits. */
  digits: string;
  /** The 60 digits in 12 groups of 5. */
  groups: string[];
  /** The groups joined by single spaces. */
  display: string;
  /** `datacrypt-safety-number:1:<fp hex>:<fp hex>` (the two fingerprints sorted ascending). */
  qrPayload: string;
}

/**
 * The 30-digit half of a safety number contributed by one identity.
 * @example
 * safetyDigits(alice.publicIdentity); // '123450987612345...' (30 digits)
 */
export function safetyDigits(p: PublicIdentity): string {
  let h = sha512(concatBytes(SAFETY_LABEL, new Uint8Array([0]), p.bytes));
  for (let k = 1; k < SAFETY_NUMBER_ITERATIONS; k++) h = sha512(concatBytes(h, p.bytes));
  let digits = '';
  for (let i = 0; i < 6; i++) {
    const block = bytesToBigInt(h.subarray(5 * i, 5 * i + 5)) % 100000n;
    digits += block.toString().padStart(5, '0');
  }
  return digits;
}

/**
 * The safety number of two identities (order-independent). Accepts PublicIdentity objects or
 * `datacrypt1...` strings (E_IDENTITY if a string is invalid).
 * @example
 * const { display, qrPayload } = safetyNumber(me.publicIdentity, 'datacrypt1q...');
 * // display: '12345 67890 ... (12 groups)'
 */
export function safetyNumber(a: PublicIdentity | string, b: PublicIdentity | string): SafetyNumber {
  const pa = toPublicIdentity(a);
  const pb = toPublicIdentity(b);
  const halves = [safetyDigits(pa), safetyDigits(pb)].sort();
  const digits = halves.join('');
  const groups = chunkString(digits, 5);
  const fps = [toHex(fingerprintBytes(pa)), toHex(fingerprintBytes(pb))].sort();
  return {
    digits,
    groups,
    display: groups.join(' '),
    qrPayload: `datacrypt-safety-number:1:${fps[0]}:${fps[1]}`,
  };
}
