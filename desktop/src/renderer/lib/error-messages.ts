/**
 * The one place where error codes become words for people: every `E_…` code the relay, the file
 * format, the desktop core or the bridge can return has a plain-language message and what to do.
 * `desktop/test/renderer-error-messages.test.ts` enumerates every known code and fails on a gap.
 * This file is plain data (no DOM, no React) so the test can import it under Node.
 * @module
 */

/** What the user reads for one error code. */
export interface ErrorMessage {
  /** What happened, in one short sentence. */
  readonly title: string;
  /** What to do next. */
  readonly action: string;
}

/**
 * Messages keyed by error code. Keys are grouped by who raises them; a code raised by several
 * layers appears once.
 */
export const ERROR_MESSAGES: Readonly<Record<string, ErrorMessage>> = {
  // ---- relay (relay-server/src/contract/errors.ts) ----
  E_VALIDATION: {
    title: 'Something you entered is not in the expected form.',
    action: 'Check the highlighted fields and try again.',
  },
  E_BAD_JSON: {
    title: 'The relay could not read the request.',
    action: 'Try again. If it keeps happening, update DataCrypt.',
  },
  E_BODY_TOO_LARGE: {
    title: 'The request was too large for the relay.',
    action: 'Try again with fewer or smaller files.',
  },
  E_UNSUPPORTED_MEDIA_TYPE: {
    title: 'The relay did not accept the kind of data sent.',
    action: 'Update DataCrypt, then try again.',
  },
  E_NOT_FOUND: {
    title: 'That item no longer exists.',
    action: 'It may have been deleted or the email may be wrong. Refresh and check.',
  },
  E_RATE_LIMITED: {
    title: 'Too many requests in a short time.',
    action: 'Wait a minute, then try again.',
  },
  E_TOO_MANY_ATTEMPTS: {
    title: 'Too many wrong attempts.',
    action: 'Wait a while before trying again, or ask for a new code.',
  },
  E_INTERNAL: {
    title: 'The relay had an unexpected problem.',
    action: 'Try again in a moment. If it keeps happening, contact the relay operator.',
  },
  E_AUTH_REQUIRED: {
    title: 'You are not signed in.',
    action: 'Sign in again to continue.',
  },
  E_AUTH_INVALID: {
    title: 'Your session has ended.',
    action: 'Sign in again to continue.',
  },
  E_FORBIDDEN: {
    title: 'You are not allowed to do that.',
    action: 'Only the sender and the recipients of a transfer can open it.',
  },
  E_INVALID_CREDENTIALS: {
    title: 'The email or password is wrong.',
    action: 'Check both and try again.',
  },
  E_EMAIL_NOT_VERIFIED: {
    title: 'Your email address is not confirmed yet.',
    action: 'Enter the code we emailed you, or ask for a new one.',
  },
  E_CODE_INVALID: {
    title: 'That code is wrong or has expired.',
    action: 'Check the latest email and enter its code, or ask for a new one.',
  },
  E_TOTP_INVALID: {
    title: 'That two-step code is wrong or has expired.',
    action: 'Enter the current 6-digit code from your authenticator app, or a recovery code.',
  },
  E_TOTP_ALREADY_ENABLED: {
    title: 'Two-step sign-in is already on.',
    action: 'Nothing to do. To set it up again, turn it off first.',
  },
  E_TOTP_NOT_ENABLED: {
    title: 'Two-step sign-in is not on.',
    action: 'Turn it on in Settings first.',
  },
  E_REFRESH_INVALID: {
    title: 'Your session has ended.',
    action: 'Sign in again to continue.',
  },
  E_REFRESH_REUSED: {
    title: 'Your session was signed out for safety (it was used from somewhere else).',
    action: 'Sign in again. If you did not expect this, change your password.',
  },
  E_KEY_SIGNATURE: {
    title: 'A published key is not correctly signed.',
    action: 'Do not trust this key. Ask the person to publish their key again.',
  },
  E_KEY_EMAIL_MISMATCH: {
    title: 'A published key belongs to a different email address.',
    action: 'Do not trust this key. Check the email address and try again.',
  },
  E_KEY_STALE: {
    title: 'A newer key was already published for this account.',
    action: 'Reload your keys, then try again.',
  },
  E_RECIPIENT_NO_KEY: {
    title: 'This person has no DataCrypt key yet.',
    action: 'Ask them to install DataCrypt and sign in once, then add them again.',
  },
  E_QUOTA_EXCEEDED: {
    title: 'You have used all the storage the relay allows.',
    action: 'Revoke or wait for old transfers to expire, then try again.',
  },
  E_TRANSFER_TOO_LARGE: {
    title: 'This transfer is larger than the relay allows.',
    action: 'Send fewer or smaller files.',
  },
  E_EXPIRY_TOO_LONG: {
    title: 'The expiry is longer than the relay allows.',
    action: 'Choose a shorter expiry.',
  },
  E_PART_SIZE: {
    title: 'A piece of the upload had the wrong size.',
    action: 'Try sending again.',
  },
  E_PART_NUMBER: {
    title: 'A piece of the upload was out of range.',
    action: 'Try sending again.',
  },
  E_PART_CHECKSUM: {
    title: 'A piece of the upload was damaged on the way.',
    action: 'Try again; the transfer resumes where it stopped.',
  },
  E_TRANSFER_STATE: {
    title: 'The transfer cannot do that right now.',
    action: 'Refresh to see its current state.',
  },
  E_PARTS_MISSING: {
    title: 'Some pieces of the upload are missing.',
    action: 'Resume the transfer to upload the rest.',
  },
  E_GONE: {
    title: 'This transfer is no longer available (expired or revoked).',
    action: 'Ask the sender to send it again.',
  },
  E_REVOKED: {
    title: 'This transfer is no longer available: the sender revoked it.',
    action: 'Ask the sender to send it again if you still need it.',
  },
  E_DOWNLOAD_LIMIT: {
    title: 'This transfer reached its download limit.',
    action: 'Ask the sender to send it again.',
  },
  E_RANGE_NOT_SATISFIABLE: {
    title: 'The download could not resume at the saved position.',
    action: 'Start the download again.',
  },
  E_STORAGE: {
    title: 'The relay could not store or read the data.',
    action: 'Try again later. If it keeps happening, contact the relay operator.',
  },
  E_TOKEN_EXPIRED: {
    title: 'Your session timed out.',
    action: 'DataCrypt reconnects by itself. If it does not, sign in again.',
  },
  E_SHUTTING_DOWN: {
    title: 'The relay is restarting.',
    action: 'Wait a moment; DataCrypt reconnects by itself.',
  },

  // ---- file format (shared-crypto/src/errors.ts) ----
  E_FORMAT: {
    title: 'This is not a DataCrypt file, or it is damaged.',
    action: 'Check that you chose the right .dcrypt file.',
  },
  E_VERSION: {
    title: 'This file was made by a newer version of DataCrypt.',
    action: 'Update DataCrypt, then open it again.',
  },
  E_NOT_RECIPIENT: {
    title: 'This file was not encrypted for you.',
    action: 'Ask the sender to send it to your current key.',
  },
  E_HEADER_MAC: {
    title: 'This file was changed after it was encrypted.',
    action: 'Do not trust it. Ask the sender to send it again.',
  },
  E_CHUNK_AUTH: {
    title: 'Part of this file is damaged or was tampered with.',
    action: 'Nothing was saved. Download it again or ask the sender to resend.',
  },
  E_TRUNCATED: {
    title: 'This file is incomplete.',
    action: 'Nothing was saved. Download it again or ask the sender to resend.',
  },
  E_SIGNATURE: {
    title: 'The sender’s signature does not match.',
    action: 'Nothing was saved. Do not trust this file; check with the sender another way.',
  },
  E_MANIFEST: {
    title: 'The list of files inside is damaged or unsafe.',
    action: 'Nothing was saved. Ask the sender to send it again.',
  },
  E_IDENTITY: {
    title: 'A key is malformed.',
    action: 'Check the key or backup you chose and try again.',
  },
  E_PASSPHRASE: {
    title: 'The passphrase is wrong.',
    action: 'Type the passphrase again, exactly as you set it.',
  },
  E_OUTPUT_EXISTS: {
    title: 'A file with that name is already there.',
    action: 'Choose another folder or name, or move the existing file.',
  },
  E_ARGUMENT: {
    title: 'A value is out of range.',
    action: 'Check what you entered and try again.',
  },
  E_IO: {
    title: 'A file could not be read or written.',
    action: 'Check the path, the permissions and free disk space.',
  },

  // ---- desktop core and relay client ----
  E_NETWORK: {
    title: 'The relay cannot be reached.',
    action: 'Check your internet connection and the relay address in Settings.',
  },
  E_PROTOCOL: {
    title: 'The relay answered in an unexpected way.',
    action: 'Check the relay address. Update DataCrypt if the relay is newer.',
  },
  E_KEY_CHANGED: {
    title: 'This contact’s key changed.',
    action: 'Compare the safety number with them, then re-verify or accept the new key.',
  },
  E_SAFETY_NUMBER: {
    title: 'The safety numbers do not match.',
    action: 'Do not mark this contact as verified. Check with them in person or by phone.',
  },
  E_INTERRUPTED: {
    title: 'The operation was interrupted.',
    action: 'Try again.',
  },
  E_USAGE: {
    title: 'The request was not complete.',
    action: 'Check what you entered and try again.',
  },
  E_CLOSED: {
    title: 'DataCrypt is shutting down.',
    action: 'Start DataCrypt again, then retry.',
  },
  E_NOT_LOGGED_IN: {
    title: 'You are not signed in.',
    action: 'Sign in again to continue.',
  },
  E_NO_ACCOUNT: {
    title: 'There is no account on this computer yet.',
    action: 'Create an account or sign in first.',
  },
  E_NO_IDENTITY: {
    title: 'This computer has no key for your account yet.',
    action: 'Sign in (a key is created then) or restore your key from a backup in Settings.',
  },
  E_NO_INPUT: {
    title: 'Something required was left empty or did not match.',
    action: 'Fill in the field and try again.',
  },
  E_STATE: {
    title: 'That step is not possible right now.',
    action: 'Start again from the sign-in screen.',
  },
  E_STOPPED: {
    title: 'The transfer stopped because DataCrypt closed.',
    action: 'It continues where it stopped; choose Resume if it does not.',
  },
  E_TRANSFER_EXPIRED: {
    title: 'This transfer has expired.',
    action: 'Ask the sender to send it again.',
  },
  E_TRANSFER_REVOKED: {
    title: 'This transfer is no longer available: the sender revoked it.',
    action: 'Ask the sender to send it again if you still need it.',
  },
  E_TRANSFER_NOT_FOUND: {
    title: 'The relay has no such transfer.',
    action: 'It may have expired or been deleted. Ask the sender to send it again.',
  },
  E_KEYSTORE_LOCKED: {
    title: 'Your keys are locked.',
    action: 'Enter your key store passphrase to unlock them.',
  },
  E_LOCKED: {
    title: 'Your keys are locked.',
    action: 'Enter your key store passphrase to unlock them.',
  },
  E_REALTIME: {
    title: 'Live updates from the relay stopped.',
    action:
      'DataCrypt keeps retrying. Check your connection; your inbox refreshes when it is back.',
  },
  E_NO_PATH: {
    title: 'That item has no file on this computer.',
    action: 'Choose the file with “Choose files”, or type its path.',
  },
  E_CANCELLED: {
    title: 'The transfer was cancelled.',
    action: 'Start it again if you still want to send it.',
  },

  E_UNAUTHENTICATED: {
    title: 'You are not signed in.',
    action: 'Sign in again to continue.',
  },

  // ---- the bridge to the app (desktop/shared/api.ts: Electron IPC or the web host) ----
  E_BRIDGE: {
    title: 'This window is not connected to DataCrypt.',
    action:
      'Open the address DataCrypt printed when it started (it includes a key), or restart DataCrypt.',
  },
  E_IPC_ARGUMENT: {
    title: 'The app received a request it could not accept.',
    action: 'Check what you entered and try again.',
  },
  E_IPC_CHANNEL: {
    title: 'This window and the app are different versions.',
    action: 'Restart DataCrypt.',
  },
  E_IPC_SENDER: {
    title: 'This window is not allowed to talk to DataCrypt.',
    action: 'Open DataCrypt from its own window or the address it printed at start.',
  },
  E_IPC_DISCONNECTED: {
    title: 'The connection to the DataCrypt app was lost.',
    action: 'Reload this window. If it keeps happening, restart DataCrypt.',
  },
  E_IPC_PROTOCOL: {
    title: 'The app sent a message this window could not read.',
    action: 'Reload this window, or restart DataCrypt.',
  },
};

/** Shown for a code that has no entry (a newer relay, say). */
export const UNKNOWN_ERROR: ErrorMessage = {
  title: 'Something went wrong.',
  action: 'Try again. If it keeps happening, restart DataCrypt.',
};

/**
 * The message for a code; unknown codes get UNKNOWN_ERROR.
 * @example
 * const { title, action } = messageFor('E_NETWORK');
 */
export function messageFor(code: string): ErrorMessage {
  return Object.hasOwn(ERROR_MESSAGES, code)
    ? (ERROR_MESSAGES[code] ?? UNKNOWN_ERROR)
    : UNKNOWN_ERROR;
}
