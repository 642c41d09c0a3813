import { CodedError } from '../errors.js';

/**
 * The errors of trust decisions about contacts.
 * @module
 */

/**
 * Sending to a contact is blocked: the directory now serves a key other than the pinned one.
 * Show both fingerprints; the user re-verifies (`markVerified`) or accepts (`acceptNewKey`).
 * @example
 * try { contacts.assertCanSendTo('bob@example.com'); }
 * catch (e) { if (e instanceof KeyChangedError) warn(e.oldFingerprint, e.newFingerprint); }
 */
export class KeyChangedError extends CodedError {
  readonly email: string;
  /** Fingerprint of the pinned key. */
  readonly oldFingerprint: string;
  /** Fingerprint of the key the directory now serves. */
  readonly newFingerprint: string;

  constructor(email: string, oldFingerprint: string, newFingerprint: string) {
    super(
      'E_KEY_CHANGED',
      `the key of ${email} changed (pinned ${oldFingerprint}, now ${newFingerprint}); ` +
        'compare safety numbers again or accept the new key before sending',
    );
    this.name = 'KeyChangedError';
    this.email = email;
    this.oldFingerprint = oldFingerprint;
    this.newFingerprint = newFingerprint;
  }
}

/**
 * A safety number given to `markVerified` does not match: nothing was marked.
 * @example
 * if (isCodedError(e, 'E_SAFETY_NUMBER')) askToCompareAgain();
 */
export class SafetyNumberMismatchError extends CodedError {
  constructor(email: string) {
    super('E_SAFETY_NUMBER', `the safety number does not match the key of ${email}`);
    this.name = 'SafetyNumberMismatchError';
  }
}
