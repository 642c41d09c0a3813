import { randomBytes } from 'node:crypto';
import {
  DataCryptError,
  formatIdentityFile,
  parseIdentityFile,
  type SecretIdentity,
} from '@datacrypt/shared-crypto';
import { type AccountRef, accountKey, normalizeAccount } from './account.js';
import type { KeyStore, KeyStoreKind, SetCurrentOptions, StoredIdentity } from './key-store.js';
import { type Keytar, loadKeytar } from './keytar.js';
import { SerialQueue } from './serial-queue.js';
import {
  checkToken,
  isoTime,
  tokenNeedsIdentity,
  planSetCurrent,
  sortIdentities,
  storedIdentity,
} from './stored-identity.js';

/**
 * KeyStore on the OS keychain (macOS Keychain, Windows Credential Manager, Secret Service on
 * Linux) through keytar. Entries of service "DataCrypt":
 * - `${relayUrl}|${email}`: the current identity, as an identity file text (comment lines with
 *   the creation time and public identity, then the `DATACRYPT-SECRET-KEY-1...` line);
 * - `${relayUrl}|${email}|retired|${fingerprint hex}`: a retired identity, same text plus a
 *   `# retired: ...` line;
 * - `${relayUrl}|${email}|token`: the relay session token.
 * @module
 */

/**
 * The default keychain service name.
 * @example
 * new KeychainKeyStore(await loadKeytar(), { service: KEYCHAIN_SERVICE });
 */
export const KEYCHAIN_SERVICE = 'DataCrypt';

const CREATED = /^# created: (\S+)$/mu;
const RETIRED = /^# retired: (\S+)$/mu;

/** An entry name split into its account and what it holds; null for foreign entries. */
function parseEntryName(
  name: string,
): { account: AccountRef; kind: 'current' | 'retired' | 'token' } | null {
  const parts = name.split('|');
  const [relayUrl, email, tag, fp] = [parts.at(0), parts.at(1), parts.at(2), parts.at(3)];
  if (relayUrl === undefined || email === undefined) return null;
  let account: AccountRef;
  try {
    account = normalizeAccount({ relayUrl, email });
  } catch {
    return null;
  }
  if (`${account.relayUrl}|${account.email}` !== `${relayUrl}|${email}`) return null;
  if (parts.length === 2) return { account, kind: 'current' };
  if (parts.length === 3 && tag === 'token') return { account, kind: 'token' };
  if (parts.length === 4 && tag === 'retired' && fp !== undefined && /^[0-9a-f]{64}$/u.test(fp)) {
    return { account, kind: 'retired' };
  }
  return null;
}

function fingerprintHex(fp: string): string {
  return fp.replaceAll(' ', '');
}

/** The keychain text of a stored identity (an identity file plus an optional retired line). */
function entryText(record: StoredIdentity): string {
  const text = formatIdentityFile(record.identity, { created: new Date(record.createdAt) });
  return record.retiredAt === null ? text : `${text}# retired: ${record.retiredAt}\n`;
}

async function parseEntry(text: string, name: string): Promise<StoredIdentity> {
  let identity: SecretIdentity;
  try {
    identity = await parseIdentityFile(text);
  } catch (cause) {
    throw new DataCryptError('E_IDENTITY', `keychain entry "${name}" is not an identity`, {
      cause,
    });
  }
  const created = CREATED.exec(text)?.[1];
  const retired = RETIRED.exec(text)?.[1] ?? null;
  if (created === undefined || Number.isNaN(Date.parse(created))) {
    throw new DataCryptError('E_IDENTITY', `keychain entry "${name}" has no creation time`);
  }
  return storedIdentity(identity, created, retired);
}

/**
 * Options of KeychainKeyStore.
 * @example
 * const options: KeychainKeyStoreOptions = { service: 'DataCrypt-test' };
 */
export interface KeychainKeyStoreOptions {
  /** Keychain service name (default "DataCrypt"; tests use their own). */
  service?: string;
}

/**
 * The KeyStore adapter on the OS keychain. Build it with `openKeyStore` (which probes the keychain
 * first) or directly from a loaded keytar.
 * @example
 * const store = new KeychainKeyStore(await loadKeytar());
 * await store.setCurrent({ relayUrl, email }, generateIdentity());
 */
export class KeychainKeyStore implements KeyStore {
  readonly kind: KeyStoreKind = 'keychain';
  readonly service: string;
  private readonly queue = new SerialQueue();

  constructor(
    private readonly keytar: Keytar,
    options: KeychainKeyStoreOptions = {},
  ) {
    this.service = options.service ?? KEYCHAIN_SERVICE;
  }

  /** Runs a keytar call, turning its failures into E_IO. */
  private async call<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new DataCryptError('E_IO', `keychain: cannot ${what}: ${reason}`, { cause });
    }
  }

  async accounts(): Promise<AccountRef[]> {
    const entries = await this.call('list entries', () =>
      this.keytar.findCredentials(this.service),
    );
    const found = new Map<string, AccountRef>();
    for (const { account } of entries) {
      const parsed = parseEntryName(account);
      if (parsed !== null) found.set(accountKey(parsed.account), parsed.account);
    }
    return [...found.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, ref]) => ref);
  }

  async current(account: AccountRef): Promise<StoredIdentity | null> {
    const name = accountKey(account);
    const text = await this.call('read', () => this.keytar.getPassword(this.service, name));
    return text === null ? null : parseEntry(text, name);
  }

  async all(account: AccountRef): Promise<StoredIdentity[]> {
    const key = accountKey(account);
    const entries = await this.call('list entries', () =>
      this.keytar.findCredentials(this.service),
    );
    const records: StoredIdentity[] = [];
    for (const entry of entries) {
      const parsed = parseEntryName(entry.account);
      if (parsed === null || parsed.kind === 'token') continue;
      if (accountKey(parsed.account) !== key) continue;
      const record = await parseEntry(entry.password, entry.account);
      records.push(parsed.kind === 'current' ? { ...record, retiredAt: null } : record);
    }
    // A crash between writing a retired copy and the new current entry leaves one key twice.
    const unique = new Map<string, StoredIdentity>();
    for (const r of sortIdentities(records))
      if (!unique.has(r.fingerprint)) unique.set(r.fingerprint, r);
    return [...unique.values()];
  }

  setCurrent(
    account: AccountRef,
    identity: SecretIdentity,
    options: SetCurrentOptions = {},
  ): Promise<StoredIdentity> {
    return this.queue.run(() => this.setCurrentNow(account, identity, options));
  }

  private async setCurrentNow(
    account: AccountRef,
    identity: SecretIdentity,
    options: SetCurrentOptions,
  ): Promise<StoredIdentity> {
    const key = accountKey(account);
    const now = isoTime(options.now ?? new Date());
    const incoming = storedIdentity(
      identity,
      isoTime(options.createdAt ?? options.now ?? new Date()),
      null,
    );
    const existing = await this.all(account);
    const plan = planSetCurrent(existing, incoming, now);
    if (!plan.changed) return plan.current;
    // Retired copies first: if the process dies half way, no key is ever lost.
    for (const record of plan.next) {
      if (record.retiredAt === null) continue;
      const was = existing.find((r) => r.fingerprint === record.fingerprint);
      if (was?.retiredAt === record.retiredAt) continue;
      const name = `${key}|retired|${fingerprintHex(record.fingerprint)}`;
      await this.call('write', () =>
        this.keytar.setPassword(this.service, name, entryText(record)),
      );
    }
    await this.call('write', () =>
      this.keytar.setPassword(this.service, key, entryText(plan.current)),
    );
    const promotedName = `${key}|retired|${fingerprintHex(plan.current.fingerprint)}`;
    await this.call('delete', () => this.keytar.deletePassword(this.service, promotedName));
    return plan.current;
  }

  deleteAccount(account: AccountRef): Promise<boolean> {
    return this.queue.run(() => this.deleteAccountNow(account));
  }

  private async deleteAccountNow(account: AccountRef): Promise<boolean> {
    const key = accountKey(account);
    const entries = await this.call('list entries', () =>
      this.keytar.findCredentials(this.service),
    );
    let deleted = false;
    for (const entry of entries) {
      const parsed = parseEntryName(entry.account);
      if (parsed === null || accountKey(parsed.account) !== key) continue;
      const gone = await this.call('delete', () =>
        this.keytar.deletePassword(this.service, entry.account),
      );
      deleted ||= gone;
    }
    return deleted;
  }

  async getToken(account: AccountRef): Promise<string | null> {
    const name = `${accountKey(account)}|token`;
    return this.call('read', () => this.keytar.getPassword(this.service, name));
  }

  setToken(account: AccountRef, token: string): Promise<void> {
    return this.queue.run(async () => {
      const name = `${accountKey(account)}|token`;
      const value = checkToken(token);
      if ((await this.current(account)) === null) throw tokenNeedsIdentity();
      await this.call('write', () => this.keytar.setPassword(this.service, name, value));
    });
  }

  async deleteToken(account: AccountRef): Promise<boolean> {
    const name = `${accountKey(account)}|token`;
    return this.call('delete', () => this.keytar.deletePassword(this.service, name));
  }
}

/**
 * The result of probing the keychain: usable (with the loaded keytar) or why not.
 * @example
 * const probe = await probeKeychain();
 * if (!probe.ok) console.warn(probe.reason);
 */
export type KeychainProbe = { ok: true; keytar: Keytar } | { ok: false; reason: string };

/**
 * Options of probeKeychain.
 * @example
 * await probeKeychain({ service: 'DataCrypt-test', timeoutMs: 2000 });
 */
export interface KeychainProbeOptions {
  service?: string;
  /** Loads keytar (default: the native module); tests pass a fake. */
  loadKeytar?: () => Promise<Keytar>;
  /** Gives up after this long (a Secret Service that never answers), default 5000 ms. */
  timeoutMs?: number;
}

/**
 * Checks that the keychain works: loads keytar, then writes, reads back and deletes a probe
 * entry. Never throws; a failure (no native module, no D-Bus session, no Secret Service, locked
 * keyring, timeout) comes back with a human reason.
 * @example
 * const probe = await probeKeychain();
 * const store = probe.ok ? new KeychainKeyStore(probe.keytar) : fallback;
 */
export async function probeKeychain(options: KeychainProbeOptions = {}): Promise<KeychainProbe> {
  const service = options.service ?? KEYCHAIN_SERVICE;
  const timeoutMs = options.timeoutMs ?? 5000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<KeychainProbe>((resolve) => {
    timer = setTimeout(() => {
      resolve({ ok: false, reason: `the keychain did not answer within ${timeoutMs} ms` });
    }, timeoutMs);
  });
  const attempt = (async (): Promise<KeychainProbe> => {
    let keytar: Keytar;
    try {
      keytar = await (options.loadKeytar ?? loadKeytar)();
    } catch (error) {
      return { ok: false, reason: `the keytar module cannot be loaded: ${describe(error)}` };
    }
    const name = `datacrypt-probe-${randomBytes(6).toString('hex')}`;
    const value = randomBytes(12).toString('hex');
    let stored = false;
    try {
      await keytar.setPassword(service, name, value);
      stored = true;
      const back = await keytar.getPassword(service, name);
      stored = !(await keytar.deletePassword(service, name));
      if (back !== value)
        return { ok: false, reason: 'the keychain did not return what was stored' };
      return { ok: true, keytar };
    } catch (error) {
      return { ok: false, reason: `the keychain is not reachable: ${describe(error)}` };
    } finally {
      if (stored) await keytar.deletePassword(service, name).catch(() => false);
    }
  })();
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
