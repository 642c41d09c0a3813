/**
 * DataCryptSession: the facade over one profile (account, keys, contacts, transfers) used by the
 * CLI and the Electron main process.
 * @module
 */
export {
  DataCryptSession,
  DEFAULT_RELAY_URL,
  type DataCryptSessionOptions,
  type SessionContacts,
  type SessionKeys,
  type SessionTransfers,
} from './session.js';
export { defaultProfileDir } from './profile-dir.js';
export type * from './types.js';
