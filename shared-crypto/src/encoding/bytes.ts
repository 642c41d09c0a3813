/**
 * Byte helpers shared by the identity and HPKE modules: constant-time comparison and the
 * big-endian integer encodings (I2OSP) the formats use.
 * @module
 */
import { DataCryptError } from '../errors.js';

/**
 * Compares two byte arrays in time that depends only on their lengths, never on their contents.
 * Use it wherever a secret, a MAC, or a key is compared.
 * @example
 * if (!constantTimeEqual(expectedTag, tag)) throw new DataCryptError('E_HEADER_MAC');
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * Concatenates byte arrays into a new array.
 * @example
 * concatBytes(new Uint8Array([1]), new Uint8Array([2, 3])); // Uint8Array [1, 2, 3]
 */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * I2OSP(n, 1): one unsigned byte. Throws E_ARGUMENT outside 0..255.
 * @example
 * u8(17); // Uint8Array [0x11]
 */
export function u8(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xff) {
    throw new DataCryptError('E_ARGUMENT', `u8 out of range: ${n}`);
  }
  return new Uint8Array([n]);
}

/**
 * I2OSP(n, 2): unsigned 16-bit big-endian. Throws E_ARGUMENT outside 0..65535.
 * @example
 * u16be(0x0011); // Uint8Array [0x00, 0x11]
 */
export function u16be(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) {
    throw new DataCryptError('E_ARGUMENT', `u16 out of range: ${n}`);
  }
  return new Uint8Array([n >>> 8, n & 0xff]);
}

/**
 * I2OSP(n, 8): unsigned 64-bit big-endian of a non-negative safe integer (0 <= n < 2^53).
 * Throws E_ARGUMENT for anything else.
 * @example
 * u64be(1); // Uint8Array [0, 0, 0, 0, 0, 0, 0, 1]
 */
export function u64be(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new DataCryptError('E_ARGUMENT', `u64 must be an integer in 0..2^53-1, got ${n}`);
  }
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(n / 0x1_0000_0000));
  view.setUint32(4, n >>> 0);
  return out;
}

/**
 * OS2IP: reads big-endian bytes as an unsigned bigint.
 * @example
 * bytesToBigInt(new Uint8Array([1, 0])); // 256n
 */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

/**
 * Lowercase hexadecimal of the bytes.
 * @example
 * toHex(new Uint8Array([0xca, 0xfe])); // 'cafe'
 */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/**
 * Parses an even-length hexadecimal string (either case). Throws E_ARGUMENT on anything else.
 * @example
 * fromHex('cafe'); // Uint8Array [0xca, 0xfe]
 */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new DataCryptError('E_ARGUMENT', 'invalid hex string');
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Splits a string into consecutive chunks of `size` characters (the last may be shorter).
 * @example
 * chunkString('abcdefg', 3); // ['abc', 'def', 'g']
 */
export function chunkString(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/**
 * Reads a big-endian u64 as a number, or null when it exceeds 2^53 − 1.
 * @example
 * readU64be(u64be(42), 0) // 42
 */
export function readU64be(bytes: Uint8Array, offset: number): number | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 8);
  const high = view.getUint32(0);
  const low = view.getUint32(4);
  if (high > 0x1f_ffff) return null;
  return high * 2 ** 32 + low;
}

const encoder = new TextEncoder();

/**
 * UTF-8 bytes of a string (used for labels and JSON).
 * @example
 * utf8('datacrypt/v1 payload')
 */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}
