import {
  DataCryptError,
  encryptIdentityFile,
  isEncryptedIdentityFile,
  parseIdentityFile,
  type SecretIdentity,
} from '@datacrypt/shared-crypto';

/**
 * Identity backups: the secret identity encrypted under a passphrase with a memory-hard KDF
 * (scrypt N = 2^17, r = 8 by default, then AES-256-GCM), as armored text that can be printed,
 * saved, or carried to another machine and imported there.
 * @module
 */

/** Backups are a few hundred bytes; anything far larger is not one. */
const MAX_BACKUP_CHARS = 64 * 1024;

/**
 * Options of exportIdentityBackup.
 * @example
 * await exportIdentityBackup(id, passphrase, { scryptLog2N: 10 }); // tests only
 */
export interface BackupOptions {
  /** scrypt cost log2(N), 10..22 (default 17). Low values are for tests only. */
  scryptLog2N?: number;
}

/**
 * The armored, passphrase-encrypted backup text of an identity
 * (`-----BEGIN DATACRYPT ENCRYPTED IDENTITY-----` ...). E_ARGUMENT for an empty passphrase.
 * @example
 * await writeFile('alice-backup.txt', await exportIdentityBackup(me, passphrase), { mode: 0o600 });
 */
export async function exportIdentityBackup(
  identity: SecretIdentity,
  passphrase: string,
  options: BackupOptions = {},
): Promise<string> {
  return encryptIdentityFile(
    identity,
    passphrase,
    options.scryptLog2N === undefined ? {} : { log2N: options.scryptLog2N },
  );
}

/**
 * Reads a backup made by exportIdentityBackup. E_IDENTITY when the text is not an encrypted
 * backup (or is damaged), E_PASSPHRASE for a wrong passphrase.
 * @example
 * const me = await importIdentityBackup(await readFile('alice-backup.txt', 'utf8'), passphrase);
 * await store.setCurrent(account, me);
 */
export async function importIdentityBackup(
  text: string,
  passphrase: string,
): Promise<SecretIdentity> {
  if (
    typeof text !== 'string' ||
    text.length > MAX_BACKUP_CHARS ||
    !isEncryptedIdentityFile(text)
  ) {
    throw new DataCryptError('E_IDENTITY', 'this is not an encrypted DataCrypt identity backup');
  }
  return parseIdentityFile(text, passphrase);
}
