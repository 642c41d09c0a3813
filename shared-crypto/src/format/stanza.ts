import { DataCryptError } from '../errors.js';
import { hpkeOpenP384, hpkeSealP384 } from '../hpke/index.js';
import type { PublicIdentity, SecretIdentity } from '../identity/index.js';
import type { RandomSource } from '../random.js';
import { FILE_KEY_LENGTH, LABELS } from './constants.js';
import type { Stanza } from './header.js';

const NO_AAD = new Uint8Array(0);

/**
 * Seals the file key to one recipient with HPKE base mode (SPEC.md §5.2).
 * @example
 * const stanza = wrapFileKey(fileKey, bob.publicIdentity, systemRandom);
 */
export function wrapFileKey(
  fileKey: Uint8Array,
  recipient: PublicIdentity,
  random: RandomSource,
): Stanza {
  const sealed = hpkeSealP384(recipient.encryptionKey, LABELS.fileKeyInfo, NO_AAD, fileKey, {
    random,
  });
  return { enc: sealed.enc, ciphertext: sealed.ciphertext };
}

/**
 * Tries every stanza with the identity's ECDH key; returns the file key of the first that opens
 * (SPEC.md §9 step 6).
 * @example
 * const fileKey = unwrapFileKey(header.stanzas, me); // throws E_NOT_RECIPIENT
 */
export function unwrapFileKey(stanzas: readonly Stanza[], identity: SecretIdentity): Uint8Array {
  for (const stanza of stanzas) {
    const key = hpkeOpenP384(
      identity.encryptionSecret,
      stanza.enc,
      LABELS.fileKeyInfo,
      NO_AAD,
      stanza.ciphertext,
    );
    if (key !== null && key.length === FILE_KEY_LENGTH) return key;
  }
  throw new DataCryptError('E_NOT_RECIPIENT', 'this identity is not a recipient of the file');
}
