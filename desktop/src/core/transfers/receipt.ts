import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import {
  SIGNATURE_RECORD_LENGTH,
  normalizeEmail,
  signDetached,
  verifyDetached,
  type PublicIdentity,
  type SecretIdentity,
} from '@datacrypt/shared-crypto';

/**
 * Delivery receipts. After a receive verified completely, the recipient signs
 *
 *     "DataCrypt receipt v1" || 0x00
 *     || u16be(len(id))    || id              (the relay's transfer id, UTF-8)
 *     || u16be(len(email)) || email           (the recipient's normalized email, UTF-8)
 *     || D                                    (32 bytes: the digest of the ciphertext, below)
 *
 * where D = SHA-256("DataCrypt ciphertext digest v1" || 0x00 || header || signature_record): the
 * file's header and its final 112-byte signature record (SHA-256 domain-separated). For a file
 * that verified, these two commit to every byte: chunks are authenticated under keys from the
 * header, and the record holds the sender's (deterministic) signature over the header and the
 * digest of all chunks. So D names the exact ciphertext without hashing it again on either side.
 *
 * with their identity's signing key (ECDSA P-384 / SHA-384, 96-byte r || s, shared-crypto's
 * `signDetached`), and posts it base64url-encoded; the relay stores it opaquely. The sender, who
 * knows the same header and record, checks it against the recipient's pinned key. The
 * domain string keeps receipts from being confused with any other signature of the identity, the
 * id binds the receipt to one transfer and the digest to the exact bytes, so neither the relay nor
 * another recipient can forge or replay one. Desktop-only: no new primitive in shared-crypto.
 * @module
 */

const DOMAIN = new TextEncoder().encode('DataCrypt receipt v1\u0000');

/**
 * What a receipt is about.
 * @example
 * const subject: ReceiptSubject = { transferId, recipientEmail: 'bob@example.com', ciphertextSha256 };
 */
export interface ReceiptSubject {
  transferId: string;
  recipientEmail: string;
  /** The ciphertext digest D (`ciphertextDigest`), 32 bytes. */
  ciphertextSha256: Uint8Array;
}

const DIGEST_DOMAIN = new TextEncoder().encode('DataCrypt ciphertext digest v1\u0000');

/**
 * The ciphertext digest D of a DataCrypt file from its header and its final signature record
 * (see the module comment).
 * @example
 * const d = ciphertextDigest(headerBytes, last112Bytes);
 */
export function ciphertextDigest(header: Uint8Array, signatureRecord: Uint8Array): Uint8Array {
  if (signatureRecord.length !== SIGNATURE_RECORD_LENGTH) {
    throw new RangeError(`the signature record is ${String(SIGNATURE_RECORD_LENGTH)} bytes`);
  }
  return createHash('sha256').update(DIGEST_DOMAIN).update(header).update(signatureRecord).digest();
}

/**
 * The ciphertext digest of a complete DataCrypt file on disk whose header is `headerLength` bytes.
 * @example
 * const d = await fileCiphertextDigest('x.dcrypt', 245);
 */
export async function fileCiphertextDigest(
  path: string,
  headerLength: number,
): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    const header = Buffer.alloc(headerLength);
    const record = Buffer.alloc(SIGNATURE_RECORD_LENGTH);
    await file.read(header, 0, headerLength, 0);
    await file.read(record, 0, SIGNATURE_RECORD_LENGTH, size - SIGNATURE_RECORD_LENGTH);
    return ciphertextDigest(header, record);
  } finally {
    await file.close();
  }
}

function field(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(2 + bytes.length);
  new DataView(out.buffer).setUint16(0, bytes.length);
  out.set(bytes, 2);
  return out;
}

/**
 * The exact bytes a receipt signs (see the module comment).
 * @example
 * const message = receiptMessage(subject);
 */
export function receiptMessage(subject: ReceiptSubject): Uint8Array {
  if (subject.ciphertextSha256.length !== 32) throw new RangeError('digest must be 32 bytes');
  const parts = [
    DOMAIN,
    field(subject.transferId),
    field(normalizeEmail(subject.recipientEmail)),
    subject.ciphertextSha256,
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Signs a receipt with the recipient's identity; base64url without padding (the relay's format).
 * @example
 * await transfers.receipt(id, signReceipt(me, { transferId: id, recipientEmail, ciphertextSha256 }));
 */
export function signReceipt(identity: SecretIdentity, subject: ReceiptSubject): string {
  return Buffer.from(signDetached(identity, receiptMessage(subject))).toString('base64url');
}

/**
 * Checks a receipt against the recipient's pinned key. False (never throws) for anything that is
 * not a valid signature of exactly this subject.
 * @example
 * const ok = verifyReceipt(contacts.pinnedKey('bob@example.com')!, subject, receipt.signature);
 */
export function verifyReceipt(
  recipientKey: PublicIdentity,
  subject: ReceiptSubject,
  signature: string,
): boolean {
  if (!/^[A-Za-z0-9_-]{1,200}$/u.test(signature)) return false;
  return verifyDetached(recipientKey, receiptMessage(subject), Buffer.from(signature, 'base64url'));
}
