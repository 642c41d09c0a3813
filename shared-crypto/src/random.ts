import { concatBytes, randomBytes as nobleRandomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';

/**
 * A source of random bytes. Production code uses the CSPRNG; vectors and tests pass a seeded one
 * so the whole file is reproducible byte for byte.
 */
export type RandomSource = (length: number) => Uint8Array;

/**
 * The platform CSPRNG (crypto.getRandomValues).
 * @example
 * const fileKey = systemRandom(32);
 */
export const systemRandom: RandomSource = (length) => nobleRandomBytes(length);

/**
 * A deterministic RandomSource for test vectors: the ChaCha20 keystream under
 * key = SHA-256("datacrypt/v1 test randomness" || 0x00 || seed), nonce = 0. Never use it for real files.
 * @example
 * const random = seededRandom('vector-001'); // same seed -> same file, byte for byte
 */
export function seededRandom(seed: string): RandomSource {
  const key = sha256(
    concatBytes(
      utf8ToBytes('datacrypt/v1 test randomness'),
      new Uint8Array([0]),
      utf8ToBytes(seed),
    ),
  );
  const nonce = new Uint8Array(12);
  let counter = 0;
  let pool = new Uint8Array(0);
  let offset = 0;
  return (length) => {
    const out = new Uint8Array(length);
    let written = 0;
    while (written < length) {
      if (offset === pool.length) {
        // 64 KiB of keystream per refill; the block counter carries on where the last refill stopped.
        pool = chacha20(key, nonce, new Uint8Array(65536), undefined, counter);
        counter += 65536 / 64;
        offset = 0;
      }
      const take = Math.min(length - written, pool.length - offset);
      out.set(pool.subarray(offset, offset + take), written);
      offset += take;
      written += take;
    }
    return out;
  };
}
