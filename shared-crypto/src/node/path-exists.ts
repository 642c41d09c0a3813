import { stat } from 'node:fs/promises';

/**
 * Whether anything exists at `path` (following links).
 * @example
 * if (await pathExists(out)) throw new DataCryptError('E_OUTPUT_EXISTS', out);
 */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
