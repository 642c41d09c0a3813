import type { TransferEngine } from '../transfers/engine.js';
import type { ReceiveOptions, ReceiveResult } from '../transfers/types.js';
import type { InboxWatcher } from './inbox-watcher.js';

/**
 * `watch` mode: receive every new transfer as it arrives.
 * @module
 */

/**
 * Callbacks of `watchAndReceive`.
 * @example
 * watchAndReceive(engine, watcher, { outDir }, { onReceived: (r) => console.log(r.outputs) });
 */
export interface WatchCallbacks {
  /** A receive is starting (before any byte). */
  onStart?: (relayTransferId: string) => void;
  onReceived?: (result: ReceiveResult) => void;
  /** A receive failed (the watcher keeps going). */
  onError?: (relayTransferId: string, error: unknown) => void;
}

/**
 * Receives each transfer announced by `transfer:incoming` (a relay that serves uploads live: the
 * receive runs while the sender uploads) or `transfer:new` (finalized), live or caught up after
 * being offline, one at a time, plus whatever is already in the inbox and not yet received here.
 * A receive that fails is taken again at the transfer's next announcement (an incoming one whose
 * sender paused too long resumes at finalize). Returns a function that stops watching (running
 * receives finish).
 * @example
 * const stop = watchAndReceive(engine, watcher, { outDir: 'Downloads' }, { onReceived: show });
 * await watcher.start();
 * ...
 * stop();
 */
export function watchAndReceive(
  engine: TransferEngine,
  watcher: InboxWatcher,
  options: ReceiveOptions,
  callbacks: WatchCallbacks = {},
): () => void {
  const seen = new Set<string>();
  let queue: Promise<void> = Promise.resolve();
  let stopped = false;
  const take = (relayTransferId: string): void => {
    if (stopped || seen.has(relayTransferId)) return;
    seen.add(relayTransferId);
    // Catch-up replays events of transfers received meanwhile (e.g. by `receive`): skip those.
    if (engine.findLocal(relayTransferId, 'receive')?.state === 'completed') return;
    queue = queue.then(async () => {
      if (stopped) return;
      callbacks.onStart?.(relayTransferId);
      try {
        const handle = await engine.receive(relayTransferId, options);
        callbacks.onReceived?.(await handle.done);
      } catch (error) {
        seen.delete(relayTransferId);
        callbacks.onError?.(relayTransferId, error);
      }
    });
  };
  const onNew = ({ transferId }: { transferId: string }) => {
    take(transferId);
  };
  const onConnected = () => {
    // The inbox also holds transfers older than the stored cursor that were never received.
    engine.inbox().then(
      (items) => {
        for (const t of items) {
          if (t.status === 'ready' && (t.local === null || t.local.state !== 'completed')) {
            take(t.relayTransferId);
          }
        }
      },
      () => undefined,
    );
  };
  watcher.on('transfer:incoming', onNew);
  watcher.on('transfer:new', onNew);
  watcher.on('connected', onConnected);
  return () => {
    stopped = true;
    watcher.off('transfer:incoming', onNew);
    watcher.off('transfer:new', onNew);
    watcher.off('connected', onConnected);
  };
}
