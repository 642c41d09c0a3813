/**
 * The relay client (HTTP): accounts, sessions, key directory.
 * @module
 */
export * from './relay-error.js';
export { scrub } from './http.js';
export type { JsonFetch } from './node-http.js';
export {
  RelayClient,
  type RelayClientOptions,
  type LoginOutcome,
  type SecondFactor,
} from './relay-client.js';
export {
  TransfersClient,
  EventEnvelope,
  type EventsPage,
  type CreateTransferInput,
  type DownloadStream,
} from './transfers-client.js';
