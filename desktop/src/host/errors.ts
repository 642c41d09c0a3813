/**
 * Turns whatever a handler threw into the error body that crosses the IPC boundary: coded errors
 * (desktop/core CodedError, shared-crypto DataCryptError, RelayError) keep their `E_…` code and
 * message; anything else becomes E_INTERNAL with a generic message (its text may hold paths or
 * secrets and is only logged by the host).
 * @module
 */
import { DataCryptError } from '@datacrypt/shared-crypto';
import { CodedError } from '../core/errors.js';
import { KeyChangedError } from '../core/contacts/errors.js';
import { IpcErrorCodes, type IpcErrorBody } from '#shared';

const CODE = /^E_[A-Z0-9_]+$/u;

/** The message without its leading "E_CODE: " (the code travels separately). */
function detailOf(message: string, code: string): string {
  const prefix = `${code}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

/**
 * True when the error carries a code the UI can act on (else it is a host bug: log it).
 * @example
 * if (!isExpectedError(e)) log.error(e);
 */
export function isExpectedError(error: unknown): error is Error & { code: string } {
  return (error instanceof CodedError || error instanceof DataCryptError) && CODE.test(error.code);
}

/**
 * The IPC error body of a thrown value.
 * @example
 * catch (e) { return { ok: false, error: toIpcError(e) }; }
 */
export function toIpcError(error: unknown): IpcErrorBody {
  if (error instanceof KeyChangedError) {
    return {
      code: error.code,
      message: detailOf(error.message, error.code),
      details: {
        email: error.email,
        oldFingerprint: error.oldFingerprint,
        newFingerprint: error.newFingerprint,
      },
    };
  }
  if (isExpectedError(error)) {
    return { code: error.code, message: detailOf(error.message, error.code) };
  }
  return {
    code: IpcErrorCodes.internal,
    message: 'something went wrong inside DataCrypt; the details are in its log',
  };
}

/**
 * A coded error raised by the host layer itself.
 * @example
 * throw hostError('E_LOCKED', 'unlock the key store first');
 */
export function hostError(code: string, detail: string): CodedError {
  return new CodedError(code, detail);
}
