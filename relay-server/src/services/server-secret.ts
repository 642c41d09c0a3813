import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ServerKeys {
  jwt: Uint8Array;
  codes: Buffer;
  seal: Buffer;
}

function derive(master: Buffer, label: string): Buffer {
  return createHmac('sha256', master).update(`datacrypt-relay/${label}`).digest();
}

/**
 * The configured secret, or one generated on first start and kept in the data dir (mode 0600)
 * so sessions survive restarts. Separate keys per purpose are derived from it.
 */
export async function loadServerKeys(configured: string | undefined, dataDir: string) {
  let master: Buffer;
  if (configured !== undefined) {
    master = Buffer.from(configured, 'utf8');
  } else {
    const file = join(dataDir, 'server-secret');
    try {
      master = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(dataDir, { recursive: true });
      master = randomBytes(32);
      const fh = await open(file, 'wx', 0o600);
      try {
        await fh.writeFile(master.toString('base64url'));
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
  }
  const keys: ServerKeys = {
    jwt: new Uint8Array(derive(master, 'jwt')),
    codes: derive(master, 'codes'),
    seal: derive(master, 'seal'),
  };
  return keys;
}
