import type { Database } from 'better-sqlite3';
import { normalizeEmail } from '@datacrypt/shared-crypto';
import { normalizeRelayUrl } from '../keys/account.js';
import { checkText, LIMITS } from './values.js';

/**
 * Relays and accounts (relay URL, email, the relay's user id). Tokens and keys are in the KeyStore.
 * @module
 */

/**
 * A relay the profile uses.
 * @example
 * const relay: Relay = db.accounts.ensureRelay('https://relay.example.com');
 */
export interface Relay {
  id: number;
  url: string;
  addedAt: string;
}

/**
 * An account on a relay.
 * @example
 * const me: Account = db.accounts.upsert({ relayUrl, email: 'alice@example.com', userId: 'u_1' });
 */
export interface Account {
  id: number;
  relayId: number;
  relayUrl: string;
  email: string;
  /** The relay's id for the user, null until known (e.g. before registration completes). */
  userId: string | null;
  createdAt: string;
  updatedAt: string;
}

interface AccountRow {
  id: number;
  relay_id: number;
  url: string;
  email: string;
  user_id: string | null;
  created_at: string;
  updated_at: string;
}

const SELECT_ACCOUNT = `SELECT a.id, a.relay_id, r.url, a.email, a.user_id, a.created_at, a.updated_at
  FROM accounts a JOIN relays r ON r.id = a.relay_id`;

function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    relayId: row.relay_id,
    relayUrl: row.url,
    email: row.email,
    userId: row.user_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Typed access to the `relays` and `accounts` tables.
 * @example
 * const account = db.accounts.upsert({ relayUrl: 'https://relay.example.com', email });
 * db.accounts.list(); // [account]
 */
export class AccountsRepo {
  constructor(
    private readonly db: Database,
    private readonly now: () => Date,
  ) {}

  /** The relay with this URL (normalized), added if new. */
  ensureRelay(url: string): Relay {
    const normalized = normalizeRelayUrl(url);
    this.db
      .prepare('INSERT INTO relays (url, added_at) VALUES (?, ?) ON CONFLICT (url) DO NOTHING')
      .run(normalized, this.now().toISOString());
    const relay = this.db
      .prepare<[string], { id: number; url: string; added_at: string }>(
        'SELECT id, url, added_at FROM relays WHERE url = ?',
      )
      .get(normalized);
    if (relay === undefined) throw new Error('relay row vanished');
    return { id: relay.id, url: relay.url, addedAt: relay.added_at };
  }

  /** Every relay, oldest first. */
  listRelays(): Relay[] {
    return this.db
      .prepare<[], { id: number; url: string; added_at: string }>(
        'SELECT id, url, added_at FROM relays ORDER BY id',
      )
      .all()
      .map((r) => ({ id: r.id, url: r.url, addedAt: r.added_at }));
  }

  /**
   * Adds the account (and its relay), or updates its user id when it exists. `userId` undefined
   * keeps the stored one; null clears it.
   */
  upsert(input: { relayUrl: string; email: string; userId?: string | null }): Account {
    const email = normalizeEmail(input.email);
    const userId =
      input.userId === undefined || input.userId === null
        ? input.userId
        : checkText(input.userId, 'user id', LIMITS.id);
    return this.db
      .transaction(() => {
        const relay = this.ensureRelay(input.relayUrl);
        const at = this.now().toISOString();
        this.db
          .prepare(
            `INSERT INTO accounts (relay_id, email, user_id, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (relay_id, email) DO UPDATE SET
             user_id = CASE WHEN ? THEN excluded.user_id ELSE accounts.user_id END,
             updated_at = excluded.updated_at`,
          )
          .run(relay.id, email, userId ?? null, at, at, userId === undefined ? 0 : 1);
        const account = this.find({ relayUrl: relay.url, email });
        if (account === null) throw new Error('account row vanished');
        return account;
      })
      .immediate();
  }

  /** The account with this id, or null. */
  get(id: number): Account | null {
    const row = this.db.prepare<[number], AccountRow>(`${SELECT_ACCOUNT} WHERE a.id = ?`).get(id);
    return row === undefined ? null : toAccount(row);
  }

  /** The account for this relay and email (normalized), or null. */
  find(ref: { relayUrl: string; email: string }): Account | null {
    const row = this.db
      .prepare<[string, string], AccountRow>(`${SELECT_ACCOUNT} WHERE r.url = ? AND a.email = ?`)
      .get(normalizeRelayUrl(ref.relayUrl), normalizeEmail(ref.email));
    return row === undefined ? null : toAccount(row);
  }

  /** Every account, oldest first. */
  list(): Account[] {
    return this.db.prepare<[], AccountRow>(`${SELECT_ACCOUNT} ORDER BY a.id`).all().map(toAccount);
  }

  /** Deletes the account with its contacts and transfers; false when there was none. */
  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM accounts WHERE id = ?').run(id).changes > 0;
  }
}
