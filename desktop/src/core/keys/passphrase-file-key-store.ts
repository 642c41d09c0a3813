import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DataCryptError,
  decryptBytes,
  encryptBytes,
  encryptIdentityFile,
  parseIdentityFile,
  type SecretIdentity,
} from '@datacrypt/shared-crypto';
import { ioError } from '../fs-errors.js';
import type { PassphraseProvider } from '../identity-file.js';
import { type AccountRef, accountKey, normalizeAccount } from './account.js';
import type { KeyStore, KeyStoreKind, SetCurrentOptions, StoredIdentity } from './key-store.js';
import { ensurePrivateDir, writePrivateFile } from './private-files.js';
import { SerialQueue } from './serial-queue.js';
import {
  checkToken,
  type IdentityMeta,
  isoTime,
  planSetCurrent,
  storedIdentity,
  tokenNeedsIdentity,
} from './stored-identity.js';

/**
 * KeyStore in passphrase-encrypted files, for machines without an OS keychain. In
 * `<profileDir>/keystore/` (mode 0700, files 0600):
 * - one armored encrypted identity file per identity (`encryptIdentityFile`: scrypt +
 *   AES-256-GCM, the same form as `datacrypt keygen -p`);
 * - per account, the session token as a DataCrypt file encrypted and signed by the account's own
 *   identity (`<hash>.token`);
 * - `index.json`: which files belong to which account, fingerprints, creation and retirement
 *   times (no secrets).
 * One process at a time should use a profile; calls within a process are serialized.
 * @module
 */

/** The folder of the file store inside a profile. */
const KEYSTORE_DIR = 'keystore';
const INDEX_FILE = 'index.json';
const INDEX_VERSION = 1;
const MAX_INDEX_BYTES = 4 * 1024 * 1024;
const MAX_TOKEN_FILE_BYTES = 64 * 1024;

interface IndexedIdentity extends IdentityMeta {
  file: string;
}

interface IndexedAccount {
  relayUrl: string;
  email: string;
  identities: IndexedIdentity[];
  /** The token file and the fingerprint of the identity it is encrypted to. */
  token: { file: string; fingerprint: string } | null;
}

interface KeyStoreIndex {
  version: number;
  accounts: IndexedAccount[];
}

/**
 * Options of PassphraseFileKeyStore.
 * @example
 * new PassphraseFileKeyStore({ profileDir, passphrase: () => ask('Key store passphrase: ') });
 */
export interface PassphraseFileKeyStoreOptions {
  /** The profile folder; the store lives in its `keystore/` subfolder. */
  profileDir: string;
  /** The passphrase, or a function asked for it once, when first needed. */
  passphrase: string | PassphraseProvider;
  /** scrypt cost log2(N) for new identity files (default 17). Low values are for tests only. */
  scryptLog2N?: number;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}

function validIndex(value: unknown): value is KeyStoreIndex {
  if (typeof value !== 'object' || value === null) return false;
  const { version, accounts } = value as Partial<KeyStoreIndex>;
  if (version !== INDEX_VERSION || !Array.isArray(accounts)) return false;
  return accounts.every(
    (a) =>
      isString(a.relayUrl) &&
      isString(a.email) &&
      Array.isArray(a.identities) &&
      a.identities.every(
        (i) =>
          isString(i.file) &&
          /^[0-9a-f-]+\.key$/u.test(i.file) &&
          isString(i.fingerprint) &&
          isString(i.createdAt) &&
          (i.retiredAt === null || isString(i.retiredAt)),
      ) &&
      (a.token === null ||
        (typeof a.token === 'object' &&
          isString(a.token.file) &&
          /^[0-9a-f]+\.token$/u.test(a.token.file) &&
          isString(a.token.fingerprint))),
  );
}

/**
 * The KeyStore adapter for machines without a keychain: every identity is a passphrase-encrypted
 * identity file; no private key or token is ever written in plaintext. A wrong passphrase fails
 * with E_PASSPHRASE (checked against the existing files before anything new is written).
 * @example
 * const store = new PassphraseFileKeyStore({ profileDir, passphrase });
 * await store.setCurrent(account, generateIdentity());
 */
export class PassphraseFileKeyStore implements KeyStore {
  readonly kind: KeyStoreKind = 'passphrase-file';
  /** The folder holding the files. */
  readonly dir: string;
  private readonly passphraseSource: string | PassphraseProvider;
  private readonly scryptLog2N: number | undefined;
  private passphrase: string | null = null;
  private verified = false;
  private readonly decrypted = new Map<string, SecretIdentity>();
  private readonly queue = new SerialQueue();

  constructor(options: PassphraseFileKeyStoreOptions) {
    this.dir = join(options.profileDir, KEYSTORE_DIR);
    this.passphraseSource = options.passphrase;
    this.scryptLog2N = options.scryptLog2N;
  }

  /** Runs `work` after every earlier call finished (one index writer at a time). */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    return this.queue.run(work);
  }

  private async getPassphrase(): Promise<string> {
    if (this.passphrase === null) {
      const source = this.passphraseSource;
      const value = typeof source === 'string' ? source : await source();
      if (typeof value !== 'string' || value.length === 0) {
        throw new DataCryptError('E_PASSPHRASE', 'the key store needs a non-empty passphrase');
      }
      this.passphrase = value;
    }
    return this.passphrase;
  }

  private async readIndex(): Promise<KeyStoreIndex> {
    let text: string;
    try {
      text = await readFile(join(this.dir, INDEX_FILE), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return { version: INDEX_VERSION, accounts: [] };
      }
      throw ioError(error, `cannot read the key store index in ${this.dir}`);
    }
    let parsed: unknown;
    try {
      if (text.length > MAX_INDEX_BYTES) throw new Error('too large');
      parsed = JSON.parse(text);
    } catch (cause) {
      throw new DataCryptError('E_IO', `the key store index in ${this.dir} is corrupted`, {
        cause,
      });
    }
    if (!validIndex(parsed)) {
      throw new DataCryptError('E_IO', `the key store index in ${this.dir} is corrupted`);
    }
    return parsed;
  }

  private async writeIndex(index: KeyStoreIndex): Promise<void> {
    try {
      await ensurePrivateDir(this.dir);
      await writePrivateFile(join(this.dir, INDEX_FILE), `${JSON.stringify(index, null, 2)}\n`);
    } catch (error) {
      throw ioError(error, `cannot write the key store index in ${this.dir}`);
    }
  }

  private async readText(file: string): Promise<string> {
    try {
      return await readFile(join(this.dir, file), 'utf8');
    } catch (error) {
      throw ioError(error, `cannot read ${join(this.dir, file)}`);
    }
  }

  private async decryptIdentity(file: string): Promise<SecretIdentity> {
    const cached = this.decrypted.get(file);
    if (cached !== undefined) return cached;
    const identity = await parseIdentityFile(await this.readText(file), await this.getPassphrase());
    this.verified = true;
    this.decrypted.set(file, identity);
    return identity;
  }

  /** Fails with E_PASSPHRASE before anything is written under a passphrase the files do not use. */
  private async verifyPassphrase(index: KeyStoreIndex): Promise<void> {
    if (this.verified) return;
    const first = index.accounts.flatMap((a) => a.identities).at(0);
    if (first === undefined) {
      await this.getPassphrase();
      return;
    }
    await this.decryptIdentity(first.file);
  }

  private find(index: KeyStoreIndex, account: AccountRef): IndexedAccount | undefined {
    const key = accountKey(account);
    return index.accounts.find((a) => accountKey(a) === key);
  }

  private async load(entry: IndexedIdentity): Promise<StoredIdentity> {
    const identity = await this.decryptIdentity(entry.file);
    const record = storedIdentity(identity, entry.createdAt, entry.retiredAt);
    if (record.fingerprint !== entry.fingerprint) {
      throw new DataCryptError('E_IDENTITY', `${entry.file} does not hold the indexed identity`);
    }
    return record;
  }

  accounts(): Promise<AccountRef[]> {
    return this.serialized(async () => {
      const index = await this.readIndex();
      return index.accounts
        .filter((a) => a.identities.length > 0 || a.token !== null)
        .map((a) => ({ relayUrl: a.relayUrl, email: a.email }))
        .sort((a, b) => accountKey(a).localeCompare(accountKey(b)));
    });
  }

  current(account: AccountRef): Promise<StoredIdentity | null> {
    return this.serialized(async () => {
      const entry = this.find(await this.readIndex(), account)?.identities.find(
        (i) => i.retiredAt === null,
      );
      return entry === undefined ? null : this.load(entry);
    });
  }

  all(account: AccountRef): Promise<StoredIdentity[]> {
    return this.serialized(async () => {
      const entries = this.find(await this.readIndex(), account)?.identities ?? [];
      const records: StoredIdentity[] = [];
      for (const entry of entries) records.push(await this.load(entry));
      return records;
    });
  }

  setCurrent(
    account: AccountRef,
    identity: SecretIdentity,
    options: SetCurrentOptions = {},
  ): Promise<StoredIdentity> {
    return this.serialized(async () => {
      const ref = normalizeAccount(account);
      const now = isoTime(options.now ?? new Date());
      const record = storedIdentity(
        identity,
        isoTime(options.createdAt ?? options.now ?? new Date()),
        null,
      );
      const index = await this.readIndex();
      await this.verifyPassphrase(index);
      let entry = this.find(index, ref);
      if (entry === undefined) {
        entry = { ...ref, identities: [], token: null };
        index.accounts.push(entry);
      }
      const file = `${shortHash(accountKey(ref))}-${record.fingerprint.replaceAll(' ', '')}.key`;
      const plan = planSetCurrent(entry.identities, { ...record, file }, now);
      if (plan.changed) {
        if (!entry.identities.some((i) => i.file === plan.current.file)) {
          const text = await encryptIdentityFile(
            identity,
            await this.getPassphrase(),
            this.scryptLog2N === undefined ? {} : { log2N: this.scryptLog2N },
          );
          try {
            await ensurePrivateDir(this.dir);
            await writePrivateFile(join(this.dir, file), text);
          } catch (error) {
            throw ioError(error, `cannot write an identity file in ${this.dir}`);
          }
          this.decrypted.set(file, identity);
        }
        entry.identities = plan.next;
        await this.writeIndex(index);
      }
      return this.load(plan.current);
    });
  }

  deleteAccount(account: AccountRef): Promise<boolean> {
    return this.serialized(async () => {
      const index = await this.readIndex();
      const entry = this.find(index, account);
      if (entry === undefined) return false;
      index.accounts = index.accounts.filter((a) => a !== entry);
      await this.writeIndex(index);
      const files = [
        ...entry.identities.map((i) => i.file),
        ...(entry.token ? [entry.token.file] : []),
      ];
      for (const file of files) {
        this.decrypted.delete(file);
        await rm(join(this.dir, file), { force: true });
      }
      return entry.identities.length > 0 || entry.token !== null;
    });
  }

  getToken(account: AccountRef): Promise<string | null> {
    return this.serialized(async () => {
      const entry = this.find(await this.readIndex(), account);
      if (entry?.token == null) return null;
      const { file, fingerprint } = entry.token;
      const owner = entry.identities.find((i) => i.fingerprint === fingerprint);
      if (owner === undefined) {
        throw new DataCryptError('E_IDENTITY', 'the identity that encrypted the token is gone');
      }
      const identity = (await this.load(owner)).identity;
      const bytes = await readFile(join(this.dir, file)).catch((error: unknown) => {
        throw ioError(error, `cannot read ${join(this.dir, file)}`);
      });
      if (bytes.length > MAX_TOKEN_FILE_BYTES) {
        throw new DataCryptError('E_FORMAT', `${join(this.dir, file)} is too large for a token`);
      }
      const opened = await decryptBytes(new Uint8Array(bytes), {
        identity,
        expectedSender: identity.publicIdentity,
      });
      const data = opened.files.at(0)?.data;
      if (data === undefined) throw new DataCryptError('E_FORMAT', 'the token file is empty');
      return Buffer.from(data).toString('utf8');
    });
  }

  setToken(account: AccountRef, token: string): Promise<void> {
    return this.serialized(async () => {
      const value = checkToken(token);
      const index = await this.readIndex();
      const entry = this.find(index, account);
      const owner = entry?.identities.find((i) => i.retiredAt === null);
      if (entry === undefined || owner === undefined) {
        throw tokenNeedsIdentity();
      }
      const identity = (await this.load(owner)).identity;
      const sealed = await encryptBytes([{ path: 'token', data: Buffer.from(value, 'utf8') }], {
        sender: identity,
        recipients: [identity.publicIdentity],
      });
      const file = `${shortHash(accountKey(entry))}.token`;
      try {
        await writePrivateFile(join(this.dir, file), sealed);
      } catch (error) {
        throw ioError(error, `cannot write ${join(this.dir, file)}`);
      }
      entry.token = { file, fingerprint: owner.fingerprint };
      await this.writeIndex(index);
    });
  }

  deleteToken(account: AccountRef): Promise<boolean> {
    return this.serialized(async () => {
      const index = await this.readIndex();
      const entry = this.find(index, account);
      if (entry?.token == null) return false;
      const { file } = entry.token;
      entry.token = null;
      await this.writeIndex(index);
      await rm(join(this.dir, file), { force: true });
      return true;
    });
  }
}
