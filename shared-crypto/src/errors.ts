/**
 * Every failure the format can report, with a stable code that callers (CLI, relay, UI) switch on.
 * SPEC.md §8 lists when each one is raised.
 */
export const ERROR_CODES = {
  E_FORMAT: 'the input is not a well-formed DataCrypt v1 file',
  E_VERSION: 'the file uses a format version or suite this implementation does not support',
  E_NOT_RECIPIENT: 'none of the recipient stanzas can be opened with this identity',
  E_HEADER_MAC: 'the header was modified (header MAC mismatch)',
  E_CHUNK_AUTH: 'a payload chunk failed authentication (corrupted, reordered or forged)',
  E_TRUNCATED: 'the file ends before its declared end',
  E_SIGNATURE: 'the sender signature is missing, invalid, or not from the expected sender',
  E_MANIFEST: 'the encrypted manifest is malformed or unsafe',
  E_IDENTITY: 'an identity string or identity file is malformed',
  E_PASSPHRASE: 'the passphrase does not decrypt this identity file',
  E_OUTPUT_EXISTS: 'the output path already exists',
  E_ARGUMENT: 'an argument is out of range or inconsistent',
  E_IO: 'reading or writing a file failed',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * The one error type thrown by shared-crypto. `code` is stable; `message` is for humans.
 * @example
 * try { await decryptFile(src, dst, { identity }); }
 * catch (e) { if (e instanceof DataCryptError && e.code === 'E_NOT_RECIPIENT') askForAnotherKey(); }
 */
export class DataCryptError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown }) {
    super(detail ? `${code}: ${detail}` : `${code}: ${ERROR_CODES[code]}`, options);
    this.name = 'DataCryptError';
    this.code = code;
  }
}

/**
 * True when `e` is a DataCryptError, optionally with the given code.
 * @example
 * if (isDataCryptError(err, 'E_SIGNATURE')) warnUser();
 */
export function isDataCryptError(e: unknown, code?: ErrorCode): e is DataCryptError {
  return e instanceof DataCryptError && (code === undefined || e.code === code);
}
