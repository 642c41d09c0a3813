import type { Migration } from './migration.js';

/**
 * Relays the profile uses and the accounts on them. Session tokens and keys are NOT here: they
 * live in the KeyStore.
 * @example
 * migrate(db, [migration001]);
 */
export const migration001: Migration = {
  version: 1,
  name: 'accounts',
  sql: `
CREATE TABLE relays (
  id INTEGER PRIMARY KEY,
  url TEXT NOT NULL UNIQUE,
  added_at TEXT NOT NULL
) STRICT;

CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  relay_id INTEGER NOT NULL REFERENCES relays (id) ON DELETE CASCADE,
  email TEXT NOT NULL,
  user_id TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (relay_id, email)
) STRICT;
`,
};
