import type { KeyPublicationBody } from '@datacrypt/relay-server/contract';
import {
  DataCryptError,
  encodePublicIdentity,
  fingerprint,
  normalizeEmail,
  parsePublicIdentity,
  verifyKeyPublication,
} from '@datacrypt/shared-crypto';

/**
 * The client-side check of a key publication served by the relay directory, which is trusted for
 * availability only: the self-signature must verify and the publication must name the email
 * that was asked for.
 * @module
 */

/**
 * A publication that passed `checkPublication`.
 * @example
 * const { publicIdentity, fingerprint } = checkPublication(entry.current.publication, email);
 */
export interface CheckedKey {
  /** Canonical `datacrypt1...` public identity. */
  publicIdentity: string;
  /** Computed here, never taken from the relay. */
  fingerprint: string;
}

/**
 * Verifies a served publication for `email`; E_SIGNATURE when the self-signature does not
 * verify, the publication is malformed, or it names another email.
 * @example
 * checkPublication(entry.current.publication, 'bob@example.com');
 */
export function checkPublication(publication: KeyPublicationBody, email: string): CheckedKey {
  const wanted = normalizeEmail(email);
  try {
    verifyKeyPublication(publication);
  } catch (cause) {
    const reason = cause instanceof DataCryptError ? cause.code : 'malformed';
    throw new DataCryptError(
      'E_SIGNATURE',
      `the directory's key for ${wanted} is not validly self-signed (${reason}); it was not pinned`,
      { cause },
    );
  }
  if (publication.email !== wanted) {
    throw new DataCryptError(
      'E_SIGNATURE',
      `the directory served a key published for another email than ${wanted}; it was not pinned`,
    );
  }
  const publicIdentity = encodePublicIdentity(parsePublicIdentity(publication.publicIdentity));
  return { publicIdentity, fingerprint: fingerprint(publicIdentity) };
}
