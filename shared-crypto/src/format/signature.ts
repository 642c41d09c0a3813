import { gcm } from '@noble/ciphers/aes.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { DataCryptError } from '../errors.js';
import {
  signDetached,
  verifyDetached,
  type PublicIdentity,
  type SecretIdentity,
} from '../identity/index.js';
import { concatBytes, u64be } from '../encoding/bytes.js';
import { LABELS, SIGNATURE_LENGTH, SIGNATURE_RECORD_LENGTH } from './constants.js';

const ZERO_NONCE = new Uint8Array(12);

/**
 * D = SHA-256(d_0 || ... || d_{n−1} || u64be(n)), fed with the chunk digests in order (SPEC.md §8).
 * @example
 * const digest = new ContentDigest();
 * digest.add(result.digests);
 * const D = digest.finish();
 */
export class ContentDigest {
  private readonly hash = sha256.create();
  private count = 0;

  /** Adds one or more 32-byte chunk digests, in chunk order. */
  add(digests: Uint8Array): void {
    this.hash.update(digests);
    this.count += digests.length / 32;
  }

  get chunks(): number {
    return this.count;
  }

  finish(): Uint8Array {
    this.hash.update(u64be(this.count));
    return this.hash.digest();
  }
}

/**
 * The message the sender signs: label || 0x00 || SHA-256(header) || D.
 * @example
 * const msg = signedMessage(headerBytes, digest.finish());
 */
export function signedMessage(header: Uint8Array, contentDigest: Uint8Array): Uint8Array {
  return concatBytes(LABELS.senderSignature, new Uint8Array([0]), sha256(header), contentDigest);
}

/**
 * Signs and seals the signature record (112 bytes) that ends every file.
 * @example
 * const record = sealSignatureRecord(sender, keys.signatureKey, header, D);
 */
export function sealSignatureRecord(
  sender: SecretIdentity,
  signatureKey: Uint8Array,
  header: Uint8Array,
  contentDigest: Uint8Array,
): Uint8Array {
  const signature = signDetached(sender, signedMessage(header, contentDigest));
  return gcm(signatureKey, ZERO_NONCE).encrypt(signature);
}

/**
 * Opens the signature record and verifies it against the sender's signing key (SPEC.md §9 step 14).
 * @example
 * verifySignatureRecord(senderIdentity, keys.signatureKey, record, header, D); // throws E_SIGNATURE
 */
export function verifySignatureRecord(
  sender: PublicIdentity,
  signatureKey: Uint8Array,
  record: Uint8Array,
  header: Uint8Array,
  contentDigest: Uint8Array,
): void {
  if (record.length !== SIGNATURE_RECORD_LENGTH) {
    throw new DataCryptError('E_TRUNCATED', 'the signature record is incomplete');
  }
  let signature: Uint8Array;
  try {
    signature = gcm(signatureKey, ZERO_NONCE).decrypt(record);
  } catch (cause) {
    throw new DataCryptError('E_SIGNATURE', 'the signature record was modified', { cause });
  }
  if (
    signature.length !== SIGNATURE_LENGTH ||
    !verifyDetached(sender, signedMessage(header, contentDigest), signature)
  ) {
    throw new DataCryptError('E_SIGNATURE', 'the sender signature does not match this file');
  }
}
