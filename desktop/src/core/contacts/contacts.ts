import type { PublicKeyResponse } from '@datacrypt/relay-server/contract';
import {
  DataCryptError,
  fingerprint,
  normalizeEmail,
  parsePublicIdentity,
  safetyNumber,
  type PublicIdentity,
  type SafetyNumber,
} from '@datacrypt/shared-crypto';
import type { Contact, ContactKey } from '../db/contacts.js';
import type { LocalDb } from '../db/local-db.js';
import { KeyChangedError, SafetyNumberMismatchError } from './errors.js';
import { checkPublication } from './publication.js';

/**
 * Contacts and trust: trust on first use of the relay directory's key, safety numbers, the
 * verified flag, and key changes that block sending until the user re-verifies or accepts.
 * @module
 */

/**
 * How far a contact's pinned key is trusted: compared out of band (`verified`), pinned on first
 * use only (`unverified`), or the directory now serves another key (`key-changed`, sending
 * blocked).
 * @example
 * if (contact.status === 'key-changed') showWarning(contact);
 */
export type ContactTrust = 'verified' | 'unverified' | 'key-changed';

/**
 * The status of the signer of an incoming transfer: a contact's trust, or `unknown` when the key
 * belongs to no contact. A key in a contact's history that is not the pinned one is `key-changed`.
 * @example
 * const { status } = contacts.senderStatus(result.sender); // 'verified' | ... | 'unknown'
 */
export type SenderStatus = ContactTrust | 'unknown';

/**
 * A contact with its trust status and, when its key changed, the newest key served for it.
 * @example
 * const bob: TrustedContact = await contacts.addContact('bob@example.com');
 */
export interface TrustedContact extends Contact {
  status: ContactTrust;
  /** The newest key the directory served that the user has not accepted, or null. */
  pendingKey: ContactKey | null;
}

/**
 * What Contacts needs from the relay: one directory lookup (RelayClient has it).
 * @example
 * const directory: KeyDirectoryLookup = relayClient;
 */
export interface KeyDirectoryLookup {
  getPublicKey(email: string): Promise<PublicKeyResponse>;
}

/**
 * Options of Contacts.
 * @example
 * new Contacts({ db, accountId: me.id, directory: client, me: identity.publicIdentity });
 */
export interface ContactsOptions {
  db: LocalDb;
  /** The LocalDb account (`db.accounts`) the contacts belong to. */
  accountId: number;
  directory: KeyDirectoryLookup;
  /** The user's own public identity (for safety numbers), or a function giving the current one. */
  me: PublicIdentity | string | (() => Promise<PublicIdentity | string>);
}

const QR_PREFIX = 'datacrypt-safety-number:';

function sameSafetyNumber(given: string, expected: SafetyNumber): boolean {
  const text = given.trim();
  if (text.startsWith(QR_PREFIX)) return text === expected.qrPayload;
  return text.replace(/\s+/gu, '') === expected.digits;
}

/**
 * The contacts of one account.
 * @example
 * const contacts = new Contacts({ db, accountId, directory: client, me: identity.publicIdentity });
 * const bob = await contacts.addContact('bob@example.com'); // pinned, unverified
 * const { display, qrPayload } = await contacts.safetyNumber('bob@example.com');
 * await contacts.markVerified('bob@example.com', { safetyNumber: numberBobReadOut });
 * await contacts.refresh('bob@example.com'); // key-changed if the directory serves another key
 * contacts.assertCanSendTo('bob@example.com'); // throws KeyChangedError (E_KEY_CHANGED) then
 */
export class Contacts {
  private readonly db: LocalDb;
  private readonly accountId: number;
  private readonly directory: KeyDirectoryLookup;
  private readonly me: ContactsOptions['me'];

  constructor(options: ContactsOptions) {
    this.db = options.db;
    this.accountId = options.accountId;
    this.directory = options.directory;
    this.me = options.me;
  }

  private view(contact: Contact): TrustedContact {
    const pending = this.db.contacts
      .keyHistory(contact.id)
      .filter((k) => k.status === 'pending')
      .at(-1);
    const pendingKey = pending ?? null;
    const status: ContactTrust =
      pendingKey !== null ? 'key-changed' : contact.verified ? 'verified' : 'unverified';
    return { ...contact, status, pendingKey };
  }

  /**
   * The contact with this email, or null.
   * @example
   * contacts.get('bob@example.com')?.status; // 'unverified'
   */
  get(email: string): TrustedContact | null {
    const contact = this.db.contacts.findByEmail(this.accountId, email);
    return contact === null ? null : this.view(contact);
  }

  /**
   * Every contact, by email.
   * @example
   * for (const c of contacts.list()) console.log(c.email, c.status);
   */
  list(): TrustedContact[] {
    return this.db.contacts.list(this.accountId).map((c) => this.view(c));
  }

  private require(email: string): TrustedContact {
    const contact = this.get(email);
    if (contact === null) {
      throw new DataCryptError('E_ARGUMENT', `${normalizeEmail(email)} is not a contact`);
    }
    return contact;
  }

  /**
   * Adds a contact: fetches their key from the relay directory, checks its self-signature and
   * that it names this email (E_SIGNATURE otherwise, nothing stored), and pins it unverified
   * (trust on first use). For an existing contact this is `refresh`.
   * @example
   * const bob = await contacts.addContact('bob@example.com');
   */
  async addContact(email: string): Promise<TrustedContact> {
    const normalized = normalizeEmail(email);
    if (this.get(normalized) !== null) return this.refresh(normalized);
    const entry = await this.directory.getPublicKey(normalized);
    const key = checkPublication(entry.current.publication, normalized);
    const contact = this.db.contacts.add({
      accountId: this.accountId,
      email: normalized,
      publicIdentity: key.publicIdentity,
    });
    return this.view(contact);
  }

  /**
   * Fetches the contact's key again. The same key: nothing changes. Another validly signed key
   * for this email: it is recorded as `pending` in the key history and the contact becomes
   * `key-changed` (sending blocked). A key the user rejected before stays rejected. A publication
   * that does not verify is refused with E_SIGNATURE and never recorded.
   * @example
   * const bob = await contacts.refresh('bob@example.com');
   */
  async refresh(email: string): Promise<TrustedContact> {
    const contact = this.require(email);
    const entry = await this.directory.getPublicKey(contact.email);
    const key = checkPublication(entry.current.publication, contact.email);
    if (key.fingerprint !== contact.fingerprint) {
      const known = this.db.contacts
        .keyHistory(contact.id)
        .find((k) => k.fingerprint === key.fingerprint);
      if (known?.status !== 'rejected') {
        this.db.contacts.recordKey(contact.id, {
          publicIdentity: key.publicIdentity,
          status: 'pending',
        });
      }
    }
    return this.require(contact.email);
  }

  private async myIdentity(): Promise<PublicIdentity | string> {
    return typeof this.me === 'function' ? this.me() : this.me;
  }

  /**
   * The safety number (60 digits in 12 groups of 5, and the QR payload) of the user and the
   * contact, the same on both sides. `{ key: 'pending' }` gives it for the new key of a
   * `key-changed` contact (E_ARGUMENT when there is none).
   * @example
   * const { groups, display, qrPayload } = await contacts.safetyNumber('bob@example.com');
   */
  async safetyNumber(
    email: string | { email: string },
    options: { key?: 'pinned' | 'pending' } = {},
  ): Promise<SafetyNumber> {
    const contact = this.require(typeof email === 'string' ? email : email.email);
    const me = await this.myIdentity();
    if (options.key === 'pending') {
      if (contact.pendingKey === null) {
        throw new DataCryptError('E_ARGUMENT', `the key of ${contact.email} did not change`);
      }
      return safetyNumber(me, contact.pendingKey.publicIdentity);
    }
    return safetyNumber(me, contact.publicIdentity);
  }

  /**
   * Marks the contact verified when `safetyNumber` (digits, spaces allowed, or the scanned QR
   * payload) matches; E_SAFETY_NUMBER otherwise, and nothing changes. For a `key-changed` contact,
   * the number of the new key pins it verified; the number of the pinned key keeps it verified and
   * rejects the new one.
   * @example
   * await contacts.markVerified('bob@example.com', { safetyNumber: '12345 67890 ...' });
   */
  async markVerified(email: string, given: { safetyNumber: string }): Promise<TrustedContact> {
    const contact = this.require(email);
    const pinned = await this.safetyNumber(contact);
    const pending = contact.pendingKey;
    if (
      pending !== null &&
      sameSafetyNumber(given.safetyNumber, await this.safetyNumber(contact, { key: 'pending' }))
    ) {
      return this.resolveKeyChange(contact, pending, true);
    }
    if (!sameSafetyNumber(given.safetyNumber, pinned)) {
      throw new SafetyNumberMismatchError(contact.email);
    }
    this.db.transaction(() => {
      this.rejectPending(contact, null);
      this.db.contacts.setVerified(contact.id, true);
    });
    return this.require(contact.email);
  }

  /**
   * Accepts the new key of a `key-changed` contact without comparing: it is pinned unverified
   * (the old one stays in the history as `previous`). E_ARGUMENT when the key did not change.
   * @example
   * await contacts.acceptNewKey('bob@example.com');
   */
  acceptNewKey(email: string): TrustedContact {
    const contact = this.require(email);
    if (contact.pendingKey === null) {
      throw new DataCryptError('E_ARGUMENT', `the key of ${contact.email} did not change`);
    }
    return this.resolveKeyChange(contact, contact.pendingKey, false);
  }

  private resolveKeyChange(
    contact: TrustedContact,
    key: ContactKey,
    verified: boolean,
  ): TrustedContact {
    this.db.transaction(() => {
      this.db.contacts.repin(contact.id, key.publicIdentity);
      this.rejectPending(contact, key.fingerprint);
      if (verified) this.db.contacts.setVerified(contact.id, true);
    });
    return this.require(contact.email);
  }

  /** Marks every pending key of the contact but `keep` rejected. */
  private rejectPending(contact: Contact, keep: string | null): void {
    for (const k of this.db.contacts.keyHistory(contact.id)) {
      if (k.status === 'pending' && k.fingerprint !== keep) {
        this.db.contacts.recordKey(contact.id, {
          publicIdentity: k.publicIdentity,
          status: 'rejected',
        });
      }
    }
  }

  /**
   * The contact to encrypt to. Throws KeyChangedError (E_KEY_CHANGED, with the old and new
   * fingerprints) while the contact's key change is unresolved, E_ARGUMENT for a non-contact.
   * @example
   * const bob = contacts.assertCanSendTo('bob@example.com');
   * const recipient = parsePublicIdentity(bob.publicIdentity);
   */
  assertCanSendTo(email: string): TrustedContact {
    const contact = this.require(email);
    if (contact.pendingKey !== null) {
      throw new KeyChangedError(contact.email, contact.fingerprint, contact.pendingKey.fingerprint);
    }
    return contact;
  }

  /**
   * The pinned key of a contact, or null when `email` is not a contact.
   * @example
   * const expectedSender = contacts.pinnedKey('alice@example.com');
   */
  pinnedKey(email: string): PublicIdentity | null {
    const contact = this.get(email);
    return contact === null ? null : parsePublicIdentity(contact.publicIdentity);
  }

  /**
   * The status of the signer of an incoming transfer, and the contact the key belongs to.
   * @example
   * const { status, contact } = contacts.senderStatus(result.sender);
   */
  senderStatus(publicIdentity: PublicIdentity | string): {
    status: SenderStatus;
    contact: TrustedContact | null;
  } {
    const fp = fingerprint(publicIdentity);
    for (const contact of this.list()) {
      if (contact.fingerprint === fp) return { status: contact.status, contact };
    }
    for (const contact of this.list()) {
      if (this.db.contacts.keyHistory(contact.id).some((k) => k.fingerprint === fp)) {
        return { status: 'key-changed', contact };
      }
    }
    return { status: 'unknown', contact: null };
  }
}
