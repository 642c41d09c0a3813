/**
 * The part of `keytar` the keychain adapter uses, loaded lazily so that the native module is only
 * touched when a keychain is actually wanted (and a broken one can be reported, not crash).
 * @module
 */

/**
 * The keytar functions used by KeychainKeyStore; tests may pass a fake.
 * @example
 * const keytar: Keytar = await loadKeytar();
 * await keytar.setPassword('DataCrypt', 'https://relay.example.com|alice@example.com', secret);
 */
export interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<{ account: string; password: string }[]>;
}

/**
 * Imports the native `keytar` module (rejects when it cannot be loaded).
 * @example
 * const keytar = await loadKeytar();
 */
export async function loadKeytar(): Promise<Keytar> {
  const mod = await import('keytar');
  return mod.default;
}
