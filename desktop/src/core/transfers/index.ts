/**
 * The transfer engine: send and receive with resume, receipts, revoke, inbox/sent.
 * @module
 */
export * from './types.js';
export * from './errors.js';
export * from './receipt.js';
export {
  TransferEngine,
  DEFAULT_PART_SIZE,
  DEFAULT_UPLOAD_CONCURRENCY,
  type TransferEngineOptions,
} from './engine.js';
