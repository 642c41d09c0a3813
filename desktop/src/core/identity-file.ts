import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  DataCryptError,
  encodePublicIdentity,
  encryptIdentityFile,
  fingerprint,
  formatIdentityFile,
  isEncryptedIdentityFile,
  parseIdentityFile,
  type SecretIdentity,
  pathExists,
} from '@datacrypt/shared-crypto';
import { ioError } from './fs-errors.js';

/**
 * Identity files on disk: loading (plaintext or passphrase-protected) and saving (mode 0600,
 * atomically, never over an existing file unless asked).
 * @module
 */

/** Identity files are a few hundred bytes; anything far larger is not one. */
const MAX_IDENTITY_FILE_BYTES = 64 * 1024;

/** Asked for the passphrase only when the file turns out to be encrypted. */
export type PassphraseProvider = () => Promise<string>;

/** A loaded identity and how it was stored. */
export interface LoadedIdentity {
  identity: SecretIdentity;
  /** True when the file was passphrase-protected. */
  encrypted: boolean;
  /** A warning for the user (e.g. a plaintext identity readable by others), or null. */
  warning: string | null;
}

/** The shareable description of an identity. */
export interface IdentitySummary {
  /** The `datacrypt1...` public identity string. */
  publicIdentity: string;
  /** 16 groups of 4 hex digits. */
  fingerprint: string;
}

/**
 * The public identity string and fingerprint of a secret identity.
 * @example
 * const { publicIdentity, fingerprint } = describeIdentity(me);
 */
export function describeIdentity(identity: SecretIdentity): IdentitySummary {
  const publicIdentity = encodePublicIdentity(identity.publicIdentity);
  return { publicIdentity, fingerprint: fingerprint(publicIdentity) };
}

/**
 * Reads and parses an identity file. `getPassphrase` is called only when the file is
 * passphrase-protected; without it such a file fails with E_PASSPHRASE.
 * Errors: E_IO (unreadable), E_IDENTITY (malformed), E_PASSPHRASE (missing or wrong passphrase).
 * @example
 * const { identity } = await loadIdentityFile('me.key', () => askPassphrase());
 */
export async function loadIdentityFile(
  path: string,
  getPassphrase?: PassphraseProvider,
): Promise<LoadedIdentity> {
  let text: string;
  let mode: number;
  try {
    const info = await stat(path);
    if (info.isDirectory())
      throw new DataCryptError('E_IO', `${path} is a folder, not an identity file`);
    if (info.size > MAX_IDENTITY_FILE_BYTES) {
      throw new DataCryptError('E_IDENTITY', `${path} is too large to be an identity file`);
    }
    mode = info.mode;
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw ioError(error, `cannot read identity file ${path}`);
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('datacrypt1')) {
    throw new DataCryptError(
      'E_IDENTITY',
      `${path} holds a public identity; an identity file with the secret key is needed here`,
    );
  }
  if (isEncryptedIdentityFile(text)) {
    if (getPassphrase === undefined) {
      throw new DataCryptError('E_PASSPHRASE', `${path} is encrypted: a passphrase is needed`);
    }
    const passphrase = await getPassphrase();
    return { identity: await parseIdentityFile(text, passphrase), encrypted: true, warning: null };
  }
  const identity = await parseIdentityFile(text);
  const warning =
    process.platform !== 'win32' && (mode & 0o077) !== 0
      ? `${path} holds an unencrypted secret key and is accessible by other users ` +
        `(mode ${(mode & 0o777).toString(8).padStart(4, '0')}); run chmod 600 on it`
      : null;
  return { identity, encrypted: false, warning };
}

/** How an identity file is written. */
export interface IdentityFileOptions {
  /** Protect the file with this passphrase (scrypt + AES-256-GCM); plaintext when omitted. */
  passphrase?: string | undefined;
  /** scrypt cost as log2(N), 10..22 (default 17). Low values are for tests only. */
  scryptLog2N?: number | undefined;
}

/**
 * The text of an identity file, plaintext or passphrase-protected.
 * @example
 * process.stdout.write(await identityFileText(generateIdentity()));
 */
export async function identityFileText(
  identity: SecretIdentity,
  options: IdentityFileOptions = {},
): Promise<string> {
  if (options.passphrase === undefined) return formatIdentityFile(identity);
  return encryptIdentityFile(
    identity,
    options.passphrase,
    options.scryptLog2N === undefined ? {} : { log2N: options.scryptLog2N },
  );
}

/**
 * Writes an identity file with mode 0600. The file appears complete or not at all (written to a
 * temporary file in the same folder, then renamed). Without `force`, an existing path fails with
 * E_OUTPUT_EXISTS.
 * @example
 * await saveIdentityFile('me.key', generateIdentity(), { passphrase });
 */
export async function saveIdentityFile(
  path: string,
  identity: SecretIdentity,
  options: IdentityFileOptions & { force?: boolean } = {},
): Promise<void> {
  const text = await identityFileText(identity, options);
  if (options.force !== true && (await pathExists(path))) {
    throw new DataCryptError(
      'E_OUTPUT_EXISTS',
      `${path} already exists (use --force to replace it)`,
    );
  }
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.force !== true && (await pathExists(path))) {
      throw new DataCryptError('E_OUTPUT_EXISTS', `${path} already exists`);
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw ioError(error, `cannot write identity file ${path}`);
  }
}
