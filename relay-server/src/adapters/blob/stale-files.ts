import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Deletes files in `dir` older than `maxAgeMs`: temp files of a killed process. Young ones are
 * kept, since another relay sharing the directory may be writing them right now.
 */
export async function removeStaleFiles(dir: string, maxAgeMs: number, now = Date.now()) {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const file = join(dir, name);
    const info = await stat(file).catch(() => undefined);
    if (info?.isFile() === true && now - info.mtimeMs > maxAgeMs) {
      await unlink(file).catch(() => undefined);
      removed++;
    }
  }
  return removed;
}
