import type { Migration } from './migration.js';

/**
 * Contacts with their pinned public identity and verification state, and every key ever seen for
 * them (status: pinned, previous = replaced after a re-verify, pending = served by the directory
 * but not accepted, rejected).
 * @example
 * migrate(db, [migration001, migration002]);
 */
export const migration002: Migration = {
  version: 2,
  name: 'contacts',
  sql: `
CREATE TABLE contacts (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  email TEXT NOT NULL,
  public_identity TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  first_seen_at TEXT NOT NULL,
  verified INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1)),
  verified_at TEXT,
  CHECK ((verified = 1) = (verified_at IS NOT NULL)),
  UNIQUE (account_id, email)
) STRICT;

CREATE TABLE contact_keys (
  id INTEGER PRIMARY KEY,
  contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  public_identity TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  seen_at TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pinned', 'previous', 'pending', 'rejected')),
  UNIQUE (contact_id, fingerprint)
) STRICT;

CREATE UNIQUE INDEX contact_keys_one_pinned ON contact_keys (contact_id) WHERE status = 'pinned';
`,
};
