import { DataCryptError, fingerprint, verifyKeyPublication } from '@datacrypt/shared-crypto';
import type { KeyPublicationBody } from '../contract/index.js';

export class KeyVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyVerificationError';
  }
}

/** Checks a publication's self-signature; returns the identity fingerprint. */
export interface KeyVerifier {
  verify(publication: KeyPublicationBody): string;
}

/** The production verifier: shared-crypto's self-signature check and fingerprint. */
export const sharedCryptoVerifier: KeyVerifier = {
  verify(publication) {
    try {
      verifyKeyPublication(publication);
      return fingerprint(publication.publicIdentity);
    } catch (err) {
      if (err instanceof DataCryptError) throw new KeyVerificationError(err.message);
      throw err;
    }
  },
};
