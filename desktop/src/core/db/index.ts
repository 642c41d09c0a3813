/**
 * LocalDb: the profile's SQLite database, its migrations and one repository per table.
 * @module
 */
export { LocalDb, type LocalDbOptions } from './local-db.js';
export { migrate, appliedMigrations, type AppliedMigration } from './migrate.js';
export * from './migrations/index.js';
export type { Relay, Account, AccountsRepo } from './accounts.js';
export type { Contact, ContactKey, ContactKeyStatus, ContactsRepo } from './contacts.js';
export {
  UNFINISHED_STATES,
  type Transfer,
  type TransferDirection,
  type TransferPatch,
  type TransferState,
  type TransfersRepo,
} from './transfers.js';
export type { SettingsRepo } from './settings.js';
export { LIMITS, type JsonValue } from './values.js';
