/**
 * The desktop core: plain Node, no Electron. The CLI and (later) the Electron main process use it.
 * @module
 */
export * from './identity-file.js';
export * from './passphrase.js';
export * from './recipients.js';
export * from './offline.js';
export {
  withPrivateTempDir,
  removeTempDirsSync,
  cleanupOnInterrupt,
  runInterruptCleanups,
} from './temp.js';
export { ioError } from './fs-errors.js';
export * from './keys/index.js';
export * from './db/index.js';
export * from './errors.js';
export * from './relay/index.js';
export * from './contacts/index.js';
export * from './transfers/index.js';
export * from './realtime/index.js';
export * from './session/index.js';
