import type { Database } from 'better-sqlite3';
import {
  DataCryptError,
  encodePublicIdentity,
  fingerprint,
  normalizeEmail,
  parsePublicIdentity,
} from '@datacrypt/shared-crypto';
import { checkText, LIMITS, write } from './values.js';

/**
 * Contacts: pinned public identity, first seen, verification state, and the history of every key
 * seen for them.
 * @module
 */

/**
 * A contact of an account, with the key pinned for them.
 * @example
 * const bob: Contact = db.contacts.add({ accountId, email: 'bob@example.com', publicIdentity });
 */
export interface Contact {
  id: number;
  accountId: number;
  email: string;
  /** The pinned `datacrypt1...` public identity. */
  publicIdentity: string;
  fingerprint: string;
  firstSeenAt: string;
  verified: boolean;
  verifiedAt: string | null;
}

/**
 * Status of a key in a contact's history: `pinned` (the one used), `previous` (pinned before),
 * `pending` (served by the directory, not accepted yet), `rejected`.
 * @example
 * const status: ContactKeyStatus = 'pending';
 */
export type ContactKeyStatus = 'pinned' | 'previous' | 'pending' | 'rejected';

/**
 * One key seen for a contact.
 * @example
 * db.contacts.keyHistory(bob.id); // [{ fingerprint, seenAt, status: 'pinned', ... }]
 */
export interface ContactKey {
  id: number;
  contactId: number;
  publicIdentity: string;
  fingerprint: string;
  seenAt: string;
  status: ContactKeyStatus;
}

interface ContactRow {
  id: number;
  account_id: number;
  email: string;
  public_identity: string;
  fingerprint: string;
  first_seen_at: string;
  verified: number;
  verified_at: string | null;
}

interface ContactKeyRow {
  id: number;
  contact_id: number;
  public_identity: string;
  fingerprint: string;
  seen_at: string;
  status: ContactKeyStatus;
}

function toContact(r: ContactRow): Contact {
  return {
    id: r.id,
    accountId: r.account_id,
    email: r.email,
    publicIdentity: r.public_identity,
    fingerprint: r.fingerprint,
    firstSeenAt: r.first_seen_at,
    verified: r.verified === 1,
    verifiedAt: r.verified_at,
  };
}

function toKey(r: ContactKeyRow): ContactKey {
  return {
    id: r.id,
    contactId: r.contact_id,
    publicIdentity: r.public_identity,
    fingerprint: r.fingerprint,
    seenAt: r.seen_at,
    status: r.status,
  };
}

/** A checked, canonical public identity and its fingerprint (E_IDENTITY when invalid). */
function checkedKey(publicIdentity: string): { publicIdentity: string; fingerprint: string } {
  checkText(publicIdentity, 'public identity', LIMITS.publicIdentity);
  const canonical = encodePublicIdentity(parsePublicIdentity(publicIdentity.trim()));
  return { publicIdentity: canonical, fingerprint: fingerprint(canonical) };
}

/**
 * Typed access to the `contacts` and `contact_keys` tables.
 * @example
 * const bob = db.contacts.add({ accountId: me.id, email: 'bob@example.com', publicIdentity });
 * db.contacts.setVerified(bob.id, true);
 */
export class ContactsRepo {
  constructor(
    private readonly db: Database,
    private readonly now: () => Date,
  ) {}

  /**
   * Adds a contact with `publicIdentity` pinned (trust on first use, unverified) and records the
   * key in the history. E_ARGUMENT if the account already has this contact; E_IDENTITY for an
   * invalid public identity.
   */
  add(input: { accountId: number; email: string; publicIdentity: string; seenAt?: Date }): Contact {
    const email = normalizeEmail(input.email);
    const key = checkedKey(input.publicIdentity);
    const at = (input.seenAt ?? this.now()).toISOString();
    return this.db
      .transaction(() => {
        const { lastInsertRowid } = write(`${email} is already a contact`, () =>
          this.db
            .prepare(
              `INSERT INTO contacts (account_id, email, public_identity, fingerprint, first_seen_at)
             VALUES (?, ?, ?, ?, ?)`,
            )
            .run(input.accountId, email, key.publicIdentity, key.fingerprint, at),
        );
        const id = Number(lastInsertRowid);
        this.db
          .prepare(
            `INSERT INTO contact_keys (contact_id, public_identity, fingerprint, seen_at, status)
           VALUES (?, ?, ?, ?, 'pinned')`,
          )
          .run(id, key.publicIdentity, key.fingerprint, at);
        return this.require(id);
      })
      .immediate();
  }

  /** The contact with this id, or null. */
  get(id: number): Contact | null {
    const row = this.db
      .prepare<[number], ContactRow>('SELECT * FROM contacts WHERE id = ?')
      .get(id);
    return row === undefined ? null : toContact(row);
  }

  private require(id: number): Contact {
    const contact = this.get(id);
    if (contact === null) throw new DataCryptError('E_ARGUMENT', `no contact ${id}`);
    return contact;
  }

  /** The account's contact with this email (normalized), or null. */
  findByEmail(accountId: number, email: string): Contact | null {
    const row = this.db
      .prepare<[number, string], ContactRow>(
        'SELECT * FROM contacts WHERE account_id = ? AND email = ?',
      )
      .get(accountId, normalizeEmail(email));
    return row === undefined ? null : toContact(row);
  }

  /** The account's contacts, by email. */
  list(accountId: number): Contact[] {
    return this.db
      .prepare<[number], ContactRow>('SELECT * FROM contacts WHERE account_id = ? ORDER BY email')
      .all(accountId)
      .map(toContact);
  }

  /** Marks the contact verified (now, or `at`) or unverified. E_ARGUMENT for an unknown id. */
  setVerified(id: number, verified: boolean, at?: Date): Contact {
    const when = verified ? (at ?? this.now()).toISOString() : null;
    const { changes } = this.db
      .prepare('UPDATE contacts SET verified = ?, verified_at = ? WHERE id = ?')
      .run(verified ? 1 : 0, when, id);
    if (changes === 0) throw new DataCryptError('E_ARGUMENT', `no contact ${id}`);
    return this.require(id);
  }

  /**
   * Records a key seen for the contact that is not (yet) pinned: `pending` (a key change to show
   * the user) or `rejected`. A key already in the history gets the new status and time, except
   * the pinned one, which is left alone. Returns the history row.
   */
  recordKey(
    contactId: number,
    input: { publicIdentity: string; status: 'pending' | 'rejected'; seenAt?: Date },
  ): ContactKey {
    const key = checkedKey(input.publicIdentity);
    const at = (input.seenAt ?? this.now()).toISOString();
    return this.db
      .transaction(() => {
        this.require(contactId);
        this.db
          .prepare(
            `INSERT INTO contact_keys (contact_id, public_identity, fingerprint, seen_at, status)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (contact_id, fingerprint) DO UPDATE SET
             seen_at = excluded.seen_at, status = excluded.status
           WHERE contact_keys.status <> 'pinned'`,
          )
          .run(contactId, key.publicIdentity, key.fingerprint, at, input.status);
        return this.keyByFingerprint(contactId, key.fingerprint);
      })
      .immediate();
  }

  private keyByFingerprint(contactId: number, fp: string): ContactKey {
    const row = this.db
      .prepare<[number, string], ContactKeyRow>(
        'SELECT * FROM contact_keys WHERE contact_id = ? AND fingerprint = ?',
      )
      .get(contactId, fp);
    if (row === undefined) throw new Error('contact key row vanished');
    return toKey(row);
  }

  /**
   * Pins a new key for the contact (the user accepted a key change): the old pinned key becomes
   * `previous`, the new one `pinned`, and the contact is unverified until compared again.
   */
  repin(contactId: number, publicIdentity: string, at?: Date): Contact {
    const key = checkedKey(publicIdentity);
    const when = (at ?? this.now()).toISOString();
    return this.db
      .transaction(() => {
        const contact = this.require(contactId);
        if (contact.fingerprint === key.fingerprint) return contact;
        this.db
          .prepare(
            "UPDATE contact_keys SET status = 'previous' WHERE contact_id = ? AND status = 'pinned'",
          )
          .run(contactId);
        this.db
          .prepare(
            `INSERT INTO contact_keys (contact_id, public_identity, fingerprint, seen_at, status)
           VALUES (?, ?, ?, ?, 'pinned')
           ON CONFLICT (contact_id, fingerprint) DO UPDATE SET status = 'pinned'`,
          )
          .run(contactId, key.publicIdentity, key.fingerprint, when);
        this.db
          .prepare(
            `UPDATE contacts SET public_identity = ?, fingerprint = ?, verified = 0, verified_at = NULL
           WHERE id = ?`,
          )
          .run(key.publicIdentity, key.fingerprint, contactId);
        return this.require(contactId);
      })
      .immediate();
  }

  /** Every key seen for the contact, oldest first. */
  keyHistory(contactId: number): ContactKey[] {
    return this.db
      .prepare<[number], ContactKeyRow>(
        'SELECT * FROM contact_keys WHERE contact_id = ? ORDER BY seen_at, id',
      )
      .all(contactId)
      .map(toKey);
  }

  /** Deletes the contact and its key history; false when there was none. */
  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM contacts WHERE id = ?').run(id).changes > 0;
  }
}
