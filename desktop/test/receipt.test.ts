import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ciphertextDigest,
  fileCiphertextDigest,
  receiptMessage,
  signReceipt,
  verifyReceipt,
} from '../src/core/index.js';
import { seeded } from './helpers/relay.js';

/* The delivery receipt format: what it binds, and that nothing else verifies. */

const bob = seeded('receipt-bob');
const mallory = seeded('receipt-mallory');
const subject = {
  transferId: 'AAAAAAAAAAAAAAAAAAAAAA',
  recipientEmail: 'Bob@Example.com',
  ciphertextSha256: createHash('sha256').update('ciphertext').digest(),
};

describe('receipts', () => {
  it('verify with the recipient key over exactly the signed subject', () => {
    const signature = signReceipt(bob, subject);
    expect(signature).toMatch(/^[A-Za-z0-9_-]{128}$/u);
    expect(verifyReceipt(bob.publicIdentity, subject, signature)).toBe(true);
    // The email is normalized: case does not matter.
    expect(
      verifyReceipt(
        bob.publicIdentity,
        { ...subject, recipientEmail: 'bob@example.com' },
        signature,
      ),
    ).toBe(true);
  });

  it('fail for another key, transfer, recipient, digest, or a mangled signature', () => {
    const signature = signReceipt(bob, subject);
    const otherDigest = createHash('sha256').update('other').digest();
    expect(verifyReceipt(mallory.publicIdentity, subject, signature)).toBe(false);
    expect(
      verifyReceipt(bob.publicIdentity, { ...subject, transferId: 'B'.repeat(22) }, signature),
    ).toBe(false);
    expect(
      verifyReceipt(
        bob.publicIdentity,
        { ...subject, recipientEmail: 'eve@example.com' },
        signature,
      ),
    ).toBe(false);
    expect(
      verifyReceipt(bob.publicIdentity, { ...subject, ciphertextSha256: otherDigest }, signature),
    ).toBe(false);
    expect(verifyReceipt(bob.publicIdentity, subject, signReceipt(mallory, subject))).toBe(false);
    expect(verifyReceipt(bob.publicIdentity, subject, `${signature.slice(0, -2)}AA`)).toBe(false);
    expect(verifyReceipt(bob.publicIdentity, subject, 'not base64url!')).toBe(false);
    expect(verifyReceipt(bob.publicIdentity, subject, '')).toBe(false);
  });

  it('are domain-separated and length-prefixed', () => {
    const message = receiptMessage(subject);
    expect(Buffer.from(message.subarray(0, 21)).toString('latin1')).toBe(
      'DataCrypt receipt v1\u0000',
    );
    // Moving a character between id and email changes the message (no ambiguity).
    const shifted = receiptMessage({
      ...subject,
      transferId: `${subject.transferId}b`,
      recipientEmail: 'ob@example.com',
    });
    expect(Buffer.from(shifted).equals(Buffer.from(message))).toBe(false);
    expect(() => receiptMessage({ ...subject, ciphertextSha256: new Uint8Array(31) })).toThrow(
      RangeError,
    );
  });

  it('digest a ciphertext by its header and signature record', async () => {
    const header = randomBytes(245);
    const record = randomBytes(112);
    const digest = ciphertextDigest(header, record);
    expect(digest).toHaveLength(32);
    const other = Buffer.from(record);
    other[0] ^= 1;
    expect(Buffer.from(ciphertextDigest(header, other)).equals(Buffer.from(digest))).toBe(false);
    expect(() => ciphertextDigest(header, record.subarray(1))).toThrow(RangeError);
    // From a file on disk: the first header bytes and the last 112 bytes.
    const dir = await mkdtemp(join(tmpdir(), 'receipt-'));
    const file = join(dir, 'x.dcrypt');
    await writeFile(file, Buffer.concat([header, randomBytes(5000), record]));
    expect(Buffer.from(await fileCiphertextDigest(file, 245)).equals(Buffer.from(digest))).toBe(
      true,
    );
    await rm(dir, { recursive: true });
  });
});
