/**
 * Encodings shared by the identity and HPKE modules.
 * @module
 */
export {
  constantTimeEqual,
  concatBytes,
  u8,
  u16be,
  u64be,
  bytesToBigInt,
  toHex,
  fromHex,
  chunkString,
} from './bytes.js';
export { encodeBech32m, decodeBech32m } from './bech32m.js';
export type { Bech32Case } from './bech32m.js';
export { encodeBase64, decodeBase64, encodeBase64Url, decodeBase64Url } from './base64.js';
