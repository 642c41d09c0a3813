import type { Migration } from './migration.js';

/**
 * Settings: one JSON value per key.
 * @example
 * migrate(db, MIGRATIONS); // the last one
 */
export const migration004: Migration = {
  version: 4,
  name: 'settings',
  sql: `
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL CHECK (json_valid(value)),
  updated_at TEXT NOT NULL
) STRICT;
`,
};
