import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Private files for key material: folders with mode 0700, files with mode 0600 that appear
 * complete or not at all.
 * @module
 */

/**
 * Creates `dir` (and its parents) and makes it private (0700).
 * @example
 * await ensurePrivateDir(join(profileDir, 'keystore'));
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') await chmod(dir, 0o700);
}

/**
 * Writes `data` to `path` with mode 0600 atomically (a synced temporary file in the same folder,
 * then a rename), replacing any existing file.
 * @example
 * await writePrivateFile(join(dir, 'index.json'), JSON.stringify(index));
 */
export async function writePrivateFile(path: string, data: string | Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
