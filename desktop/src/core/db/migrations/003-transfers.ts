import type { Migration } from './migration.js';

/**
 * Transfers sent and received, with the progress and resume data a restarted process needs.
 * @example
 * migrate(db, [migration001, migration002, migration003]);
 */
export const migration003: Migration = {
  version: 3,
  name: 'transfers',
  sql: `
CREATE TABLE transfers (
  id TEXT PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  direction TEXT NOT NULL CHECK (direction IN ('send', 'receive')),
  relay_transfer_id TEXT,
  state TEXT NOT NULL
    CHECK (state IN ('queued', 'active', 'paused', 'completed', 'failed', 'cancelled')),
  total_bytes INTEGER CHECK (total_bytes IS NULL OR total_bytes >= 0),
  progress_bytes INTEGER NOT NULL DEFAULT 0 CHECK (progress_bytes >= 0),
  resume_data TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(resume_data)),
  local_paths TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(local_paths)),
  error_code TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (account_id, direction, relay_transfer_id)
) STRICT;

CREATE INDEX transfers_by_state ON transfers (state, updated_at);
`,
};
