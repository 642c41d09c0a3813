import {
  decryptStream,
  type ContentReader,
  type DecryptIo,
  type DecryptResult,
  type SecretIdentity,
} from '@datacrypt/shared-crypto';
import type { Contacts, SenderStatus, TrustedContact } from './contacts.js';

/**
 * Incoming transfers checked against the pinned key of their sender.
 * @module
 */

/**
 * Decrypts a transfer the relay says `senderEmail` sent. When that sender is a contact, the
 * file's signature must come from the pinned key (`expectedSender`): any other signer fails
 * with E_SIGNATURE and nothing is committed. The result carries the sender's status.
 * @example
 * const { senderStatus } = await decryptFromContact(contacts, stream,
 *   { identity: me, senderEmail: transfer.sender }, { executor: workerPool(), sink });
 */
export async function decryptFromContact(
  contacts: Contacts,
  input: AsyncIterable<Uint8Array> | ContentReader,
  params: { identity: SecretIdentity; senderEmail: string },
  io: DecryptIo,
): Promise<DecryptResult & { senderStatus: SenderStatus; contact: TrustedContact | null }> {
  const expectedSender = contacts.pinnedKey(params.senderEmail);
  const result = await decryptStream(input, { identity: params.identity, expectedSender }, io);
  const { status, contact } = contacts.senderStatus(result.sender);
  return { ...result, senderStatus: status, contact };
}
