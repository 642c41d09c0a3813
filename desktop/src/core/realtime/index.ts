/**
 * Realtime: the live inbox over Socket.IO with catch-up, and the `watch` mode helper.
 * @module
 */
export {
  InboxWatcher,
  type InboxWatcherEvents,
  type InboxWatcherOptions,
} from './inbox-watcher.js';
export { watchAndReceive, type WatchCallbacks } from './watch.js';
