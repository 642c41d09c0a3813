import { migration001 } from './001-accounts.js';
import { migration002 } from './002-contacts.js';
import { migration003 } from './003-transfers.js';
import { migration004 } from './004-settings.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';
export { migration001, migration002, migration003, migration004 };

/**
 * Every migration, in order. Append new ones (never edit an applied one).
 * @example
 * migrate(db, MIGRATIONS);
 */
export const MIGRATIONS: readonly Migration[] = [
  migration001,
  migration002,
  migration003,
  migration004,
];
