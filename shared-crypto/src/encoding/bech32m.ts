/**
 * Bech32m (BIP 350) text encoding for identities, with no length limit and a fixed letter case.
 * Decoding reports every failure as E_IDENTITY with a message that says what is wrong.
 * @module
 */
import { bech32m } from '@scure/base';
import { DataCryptError } from '../errors.js';

const ALPHABET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

/**
 * Letter case of a canonical string: public identities are lowercase, secret keys uppercase.
 * @example
 * const c: Bech32Case = 'upper'; // secret keys
 */
export type Bech32Case = 'lower' | 'upper';

/**
 * Encodes bytes as Bech32m with the given human-readable prefix (HRP), in the given case.
 * @example
 * encodeBech32m('datacrypt', new Uint8Array([1, 2, 3]), 'lower'); // 'datacrypt1qypqx...'
 */
export function encodeBech32m(hrp: string, bytes: Uint8Array, letterCase: Bech32Case): string {
  const s = bech32m.encode(hrp, bech32m.toWords(bytes), false);
  return letterCase === 'upper' ? s.toUpperCase() : s;
}

/**
 * Decodes a Bech32m string whose HRP must be `hrp` (compared case-insensitively) and whose
 * letters must all be in `letterCase`. `what` names the thing in error messages.
 * Checks, in order: mixed case, separator, HRP, letter case, characters, checksum, padding.
 * @example
 * decodeBech32m('datacrypt1...', 'datacrypt', 'lower', 'public identity'); // Uint8Array
 */
export function decodeBech32m(
  text: string,
  hrp: string,
  letterCase: Bech32Case,
  what: string,
): Uint8Array {
  if (typeof text !== 'string') throw new DataCryptError('E_IDENTITY', `${what}: not a string`);
  const lower = text.toLowerCase();
  const upper = text.toUpperCase();
  if (text !== lower && text !== upper) {
    throw new DataCryptError('E_IDENTITY', `${what}: mixed upper and lower case`);
  }
  const sep = lower.lastIndexOf('1');
  if (sep < 1) throw new DataCryptError('E_IDENTITY', `${what}: missing "1" separator`);
  const prefix = lower.slice(0, sep);
  if (prefix !== hrp) {
    throw new DataCryptError(
      'E_IDENTITY',
      `${what}: wrong prefix "${prefix.slice(0, 40)}", expected "${hrp}1"`,
    );
  }
  if (text !== (letterCase === 'lower' ? lower : upper)) {
    throw new DataCryptError('E_IDENTITY', `${what}: must be ${letterCase}case`);
  }
  const data = lower.slice(sep + 1);
  for (let i = 0; i < data.length; i++) {
    if (!ALPHABET.includes(data[i])) {
      throw new DataCryptError(
        'E_IDENTITY',
        `${what}: invalid character at position ${sep + 1 + i}`,
      );
    }
  }
  if (data.length < 6) throw new DataCryptError('E_IDENTITY', `${what}: truncated`);
  let words: number[];
  try {
    words = bech32m.decode(lower as `${string}1${string}`, false).words;
  } catch (cause) {
    throw new DataCryptError('E_IDENTITY', `${what}: checksum mismatch (typo or truncation?)`, {
      cause,
    });
  }
  try {
    return bech32m.fromWords(words);
  } catch (cause) {
    throw new DataCryptError('E_IDENTITY', `${what}: invalid padding bits`, { cause });
  }
}
