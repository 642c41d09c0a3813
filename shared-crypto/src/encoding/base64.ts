/**
 * Strict, canonical base64 (RFC 4648 §4, padded) and base64url (§5, unpadded) codecs.
 * Decoders accept only the one canonical encoding of each byte string.
 * @module
 */
import { base64, base64urlnopad } from '@scure/base';
import { DataCryptError } from '../errors.js';
import type { ErrorCode } from '../errors.js';

const STD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const URL_SAFE = /^[A-Za-z0-9_-]*$/;

/**
 * Standard padded base64.
 * @example
 * encodeBase64(new Uint8Array([0x12, 0xab])); // 'Eqs='
 */
export function encodeBase64(bytes: Uint8Array): string {
  return base64.encode(bytes);
}

/**
 * Decodes canonical standard padded base64; anything else throws `code` (default E_FORMAT).
 * @example
 * decodeBase64('Eqs='); // Uint8Array [0x12, 0xab]
 */
export function decodeBase64(text: string, code: ErrorCode = 'E_FORMAT'): Uint8Array {
  if (!STD.test(text)) throw new DataCryptError(code, 'invalid base64');
  let out: Uint8Array;
  try {
    out = base64.decode(text);
  } catch (cause) {
    throw new DataCryptError(code, 'invalid base64', { cause });
  }
  if (base64.encode(out) !== text) throw new DataCryptError(code, 'non-canonical base64');
  return out;
}

/**
 * base64url without padding.
 * @example
 * encodeBase64Url(new Uint8Array([0x12, 0xab])); // 'Eqs'
 */
export function encodeBase64Url(bytes: Uint8Array): string {
  return base64urlnopad.encode(bytes);
}

/**
 * Decodes canonical unpadded base64url; anything else throws `code` (default E_FORMAT).
 * @example
 * decodeBase64Url('Eqs'); // Uint8Array [0x12, 0xab]
 */
export function decodeBase64Url(text: string, code: ErrorCode = 'E_FORMAT'): Uint8Array {
  if (!URL_SAFE.test(text) || text.length % 4 === 1)
    throw new DataCryptError(code, 'invalid base64url');
  let out: Uint8Array;
  try {
    out = base64urlnopad.decode(text);
  } catch (cause) {
    throw new DataCryptError(code, 'invalid base64url', { cause });
  }
  if (base64urlnopad.encode(out) !== text) {
    throw new DataCryptError(code, 'non-canonical base64url');
  }
  return out;
}
