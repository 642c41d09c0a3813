import { DataCryptError } from '@datacrypt/shared-crypto';

/**
 * Input checks for the LocalDb: every value is bounded before it reaches SQLite, and an oversized
 * or ill-typed one fails with E_ARGUMENT naming the field.
 * @module
 */

/**
 * A JSON value as stored in JSON columns.
 * @example
 * const resume: JsonValue = { parts: [1, 2, 3], uploadId: 'u-1' };
 */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Size limits of stored values, in UTF-8 bytes.
 * @example
 * LIMITS.settingValue; // 65536
 */
export const LIMITS = Object.freeze({
  /** Short identifiers: user ids, relay transfer ids, transfer ids, error codes. */
  id: 256,
  /** Setting keys. */
  settingKey: 128,
  /** A setting's JSON value. */
  settingValue: 64 * 1024,
  /** A transfer's resume data JSON. */
  resumeData: 1024 * 1024,
  /** A transfer's local paths JSON (all paths together). */
  localPaths: 1024 * 1024,
  /** One local path. */
  path: 4096,
  /** A public identity string. */
  publicIdentity: 1024,
});

function tooLarge(field: string, max: number): DataCryptError {
  return new DataCryptError('E_ARGUMENT', `${field} exceeds ${max} bytes`);
}

/**
 * A non-empty string of at most `max` UTF-8 bytes with no NUL character (E_ARGUMENT otherwise).
 * @example
 * checkText(userId, 'user id', LIMITS.id);
 */
export function checkText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new DataCryptError('E_ARGUMENT', `${field} must be a non-empty string`);
  }
  if (Buffer.byteLength(value, 'utf8') > max) throw tooLarge(field, max);
  if (value.includes('\u0000')) {
    throw new DataCryptError('E_ARGUMENT', `${field} must not contain NUL characters`);
  }
  return value;
}

/**
 * The JSON text of `value`, at most `max` bytes (E_ARGUMENT for values JSON cannot represent,
 * such as undefined, functions, BigInt, NaN or cycles, and for oversized ones).
 * @example
 * const text = checkJson({ theme: 'dark' }, 'setting value', LIMITS.settingValue);
 */
export function checkJson(value: unknown, field: string, max: number): string {
  let text: unknown;
  try {
    text = JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) throw new Error('non-finite number');
      return v;
    });
  } catch (cause) {
    throw new DataCryptError('E_ARGUMENT', `${field} is not representable as JSON`, { cause });
  }
  // JSON.stringify returns undefined for undefined, functions and symbols.
  if (typeof text !== 'string') {
    throw new DataCryptError('E_ARGUMENT', `${field} is not representable as JSON`);
  }
  if (Buffer.byteLength(text, 'utf8') > max) throw tooLarge(field, max);
  return text;
}

/**
 * A safe integer >= 0 (E_ARGUMENT otherwise).
 * @example
 * checkCount(progressBytes, 'progress bytes');
 */
export function checkCount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new DataCryptError('E_ARGUMENT', `${field} must be an integer >= 0`);
  }
  return value;
}

/**
 * Parses JSON read back from the database.
 * @example
 * const paths = parseJson(row.local_paths) as string[];
 */
export function parseJson(text: string): JsonValue {
  return JSON.parse(text) as JsonValue;
}

/**
 * Runs a write and turns SQLite constraint failures into E_ARGUMENT with a readable reason.
 * @example
 * write('contact already exists', () => insert.run(...));
 */
export function write<T>(conflict: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (
      error instanceof Error &&
      'code' in error &&
      typeof error.code === 'string' &&
      error.code.startsWith('SQLITE_CONSTRAINT')
    ) {
      const detail =
        error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
          ? conflict
          : `rejected by the database (${error.code})`;
      throw new DataCryptError('E_ARGUMENT', detail, { cause: error });
    }
    throw error;
  }
}
