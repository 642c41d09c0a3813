import type { PassphraseProvider } from '../identity-file.js';
import { KeychainKeyStore, probeKeychain } from './keychain-key-store.js';
import type { KeyStore, KeyStoreKind } from './key-store.js';
import type { Keytar } from './keytar.js';
import { PassphraseFileKeyStore } from './passphrase-file-key-store.js';

/**
 * Picks the KeyStore for a profile: the OS keychain when it works, otherwise passphrase-encrypted
 * files, and says which and why.
 * @module
 */

/**
 * Options of openKeyStore.
 * @example
 * await openKeyStore({ profileDir: '~/.datacrypt', passphrase: () => ask('Passphrase: ') });
 */
export interface OpenKeyStoreOptions {
  /** The profile folder (the file store goes in its `keystore/` subfolder). */
  profileDir: string;
  /** For the file store only; a function is called only if and when the file store needs it. */
  passphrase: string | PassphraseProvider;
  /** 'auto' (default): keychain if it works, else files; 'file' forces the file store. */
  prefer?: 'auto' | 'file';
  /** Keychain service name (default "DataCrypt"). */
  service?: string;
  /** Loads keytar (default: the native module); tests pass a fake. */
  loadKeytar?: () => Promise<Keytar>;
  /** Keychain probe timeout in ms (default 5000). */
  probeTimeoutMs?: number;
  /** scrypt cost of the file store's identity files (default 17). Low values are for tests only. */
  scryptLog2N?: number;
}

/**
 * The chosen store, which kind it is, and a sentence for the user explaining the choice.
 * @example
 * const { store, kind, reason } = await openKeyStore(options);
 * if (kind === 'passphrase-file') console.error(`datacrypt: ${reason}`);
 */
export interface OpenedKeyStore {
  store: KeyStore;
  kind: KeyStoreKind;
  reason: string;
}

/**
 * Opens the profile's KeyStore. Probes the OS keychain (write, read back, delete a probe entry);
 * when that fails — no native module, no D-Bus session or Secret Service (headless Linux), a
 * locked keyring, no answer in time — falls back to the passphrase-encrypted file store and
 * reports why. Never throws for a missing keychain.
 * @example
 * const { store, reason } = await openKeyStore({ profileDir, passphrase: askPassphrase });
 * stderr.write(`${reason}\n`);
 */
export async function openKeyStore(options: OpenKeyStoreOptions): Promise<OpenedKeyStore> {
  const fileStore = (): PassphraseFileKeyStore =>
    new PassphraseFileKeyStore({
      profileDir: options.profileDir,
      passphrase: options.passphrase,
      ...(options.scryptLog2N === undefined ? {} : { scryptLog2N: options.scryptLog2N }),
    });
  if (options.prefer === 'file') {
    const store = fileStore();
    return {
      store,
      kind: store.kind,
      reason: `keys are kept in passphrase-encrypted files in ${store.dir} (as requested)`,
    };
  }
  const probe = await probeKeychain({
    ...(options.service === undefined ? {} : { service: options.service }),
    ...(options.loadKeytar === undefined ? {} : { loadKeytar: options.loadKeytar }),
    ...(options.probeTimeoutMs === undefined ? {} : { timeoutMs: options.probeTimeoutMs }),
  });
  if (probe.ok) {
    const store = new KeychainKeyStore(
      probe.keytar,
      options.service === undefined ? {} : { service: options.service },
    );
    return { store, kind: store.kind, reason: 'keys are kept in the OS keychain' };
  }
  const store = fileStore();
  return {
    store,
    kind: store.kind,
    reason:
      `no usable OS keychain (${probe.reason}); keys are kept in passphrase-encrypted files ` +
      `in ${store.dir}`,
  };
}
