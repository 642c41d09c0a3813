/**
 * Coded errors of the desktop core that are not file-format errors (those are shared-crypto's
 * `DataCryptError`): relay failures, trust decisions.
 * @module
 */

/**
 * An error with a stable `E_…` code that callers (CLI, UI) switch on. The message is
 * `"E_CODE: detail"`, like DataCryptError's, and never holds a secret.
 * @example
 * throw new CodedError('E_NETWORK', 'cannot reach the relay at https://relay.example.com');
 */
export class CodedError extends Error {
  readonly code: string;

  constructor(code: string, detail: string, options?: { cause?: unknown }) {
    super(`${code}: ${detail}`, options);
    this.name = 'CodedError';
    this.code = code;
  }
}

/**
 * True when `e` is a CodedError, optionally with the given code.
 * @example
 * if (isCodedError(err, 'E_KEY_CHANGED')) showKeyChangeWarning(err);
 */
export function isCodedError(e: unknown, code?: string): e is CodedError {
  return e instanceof CodedError && (code === undefined || e.code === code);
}
