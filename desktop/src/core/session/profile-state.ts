import type { SettingsRepo } from '../db/settings.js';
import type { JsonValue } from '../db/values.js';

/**
 * The profile's own memory of its relay and account, kept in the LocalDb settings table (no
 * secrets: tokens and keys are in the KeyStore).
 * @module
 */

const RELAY_KEY = 'session.relayUrl';
const ACCOUNT_KEY = 'session.account';

/**
 * What the profile remembers about its account.
 * @example
 * const state: AccountState = { email, verified: false, totpEnabled: false, publishedFingerprint: null };
 */
export interface AccountState {
  email: string;
  verified: boolean;
  totpEnabled: boolean;
  /** The fingerprint last published to the relay directory (a different current key: publish). */
  publishedFingerprint: string | null;
}

function isAccountState(value: JsonValue | undefined): value is JsonValue & AccountState {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return (
    typeof value['email'] === 'string' &&
    typeof value['verified'] === 'boolean' &&
    typeof value['totpEnabled'] === 'boolean' &&
    (value['publishedFingerprint'] === null || typeof value['publishedFingerprint'] === 'string')
  );
}

/**
 * Typed access to the session settings of a profile.
 * @example
 * const state = new ProfileState(db.settings);
 * state.relayUrl(); // the stored relay URL or null
 */
export class ProfileState {
  constructor(private readonly settings: SettingsRepo) {}

  /** The stored relay URL, or null. */
  relayUrl(): string | null {
    const value = this.settings.get(RELAY_KEY);
    return typeof value === 'string' ? value : null;
  }

  /** Stores the relay URL (already normalized). */
  setRelayUrl(url: string): void {
    this.settings.set(RELAY_KEY, url);
  }

  /** The account state, or null before register/login (or when the stored value is damaged). */
  account(): AccountState | null {
    const value = this.settings.get(ACCOUNT_KEY);
    return isAccountState(value) ? value : null;
  }

  /** Replaces the account state. */
  setAccount(state: AccountState): void {
    this.settings.set(ACCOUNT_KEY, {
      email: state.email,
      verified: state.verified,
      totpEnabled: state.totpEnabled,
      publishedFingerprint: state.publishedFingerprint,
    });
  }

  /** Updates some fields of the account state (no-op without an account). */
  patchAccount(patch: Partial<AccountState>): void {
    const current = this.account();
    if (current !== null) this.setAccount({ ...current, ...patch });
  }

  /** Forgets the account (another relay or email). */
  clearAccount(): void {
    this.settings.delete(ACCOUNT_KEY);
  }
}
