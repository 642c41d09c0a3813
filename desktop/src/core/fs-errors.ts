import { DataCryptError } from '@datacrypt/shared-crypto';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a folder',
  ENOTDIR: 'a part of the path is not a folder',
  ENOSPC: 'no space left on the device',
  EEXIST: 'already exists',
  EPIPE: 'the reader closed the pipe',
};

/**
 * Turns a Node file-system error into a DataCryptError E_IO with a short human reason;
 * DataCryptErrors pass through unchanged.
 * @example
 * try { await readFile(p); } catch (e) { throw ioError(e, `cannot read ${p}`); }
 */
export function ioError(error: unknown, context: string): DataCryptError {
  if (error instanceof DataCryptError) return error;
  const code =
    typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
      ? error.code
      : undefined;
  const reason =
    (code !== undefined ? REASONS[code] : undefined) ??
    (error instanceof Error ? error.message : String(error));
  return new DataCryptError('E_IO', `${context}: ${reason}`, { cause: error });
}
