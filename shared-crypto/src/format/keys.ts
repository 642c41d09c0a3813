import { hkdf } from '@noble/hashes/hkdf.js';
import { sha384 } from '@noble/hashes/sha2.js';
import { LABELS } from './constants.js';

/** The keys derived from one file key (SPEC.md §5.3, §6.1). */
export interface FileKeys {
  headerMacKey: Uint8Array;
  payloadKey: Uint8Array;
  signatureKey: Uint8Array;
}

/**
 * Derives the header MAC, payload and signature keys from the file key and the payload salt.
 * @example
 * const { payloadKey } = deriveFileKeys(fileKey, header.payloadSalt);
 */
export function deriveFileKeys(fileKey: Uint8Array, payloadSalt: Uint8Array): FileKeys {
  return {
    headerMacKey: hkdf(sha384, fileKey, new Uint8Array(0), LABELS.headerMac, 48),
    payloadKey: hkdf(sha384, fileKey, payloadSalt, LABELS.payload, 32),
    signatureKey: hkdf(sha384, fileKey, payloadSalt, LABELS.signature, 32),
  };
}
