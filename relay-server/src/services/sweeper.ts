import { repeatWithoutOverlap } from './repeat.js';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { eventRetentionMs, type Container } from '../container.js';
import type { Log } from '../log.js';
import type { TransferRecord } from '../ports.js';

// Uploads never finalized are abandoned after a day, so they stop counting against the quota.
export const ABANDONED_UPLOAD_MS = 24 * 60 * 60 * 1000;

/**
 * Second half of a deletion, for a record already marked `deleting` (blob delete pending): the
 * blob goes, then the record, or for a revoked transfer that has not expired yet only the
 * pending mark (the record stays as a tombstone, so its users get 410 E_REVOKED). If the blob
 * store fails, the record keeps its mark and the next sweep retries: a record never points at a
 * deleted blob and a blob is never left without a record leading to it.
 */
export async function finishDeletion(c: Container, t: TransferRecord): Promise<void> {
  await c.blobs.delete(t.id, t.blobHandle);
  if (t.revokedAt !== null && t.expiresAt > c.now()) await c.transfers.keepTombstone(t.id);
  else await c.transfers.remove(t.id);
}

/**
 * Deletes a transfer crash-safely: the record is marked first (and from then on never served),
 * then `finishDeletion`. A crash at any point leaves a marked record that the next sweep finishes.
 */
export async function purge(c: Container, t: TransferRecord): Promise<void> {
  if (!t.deleting) await c.transfers.markDeleting(t.id);
  await finishDeletion(c, t);
}

/**
 * One pass over transfers with a blob delete pending (revoked, or interrupted), expired ones and
 * uploads abandoned for a day; returns how many it finished. A transfer whose blob cannot be
 * deleted keeps its mark and is retried next pass; it never blocks the others.
 */
export async function sweep(c: Container, log: Log): Promise<number> {
  let removed = 0;
  // Each transfer is tried once per pass; asking for as many more as were tried keeps failures
  // from starving the rest.
  const tried = new Set<string>();
  for (;;) {
    const now = c.now();
    const batch = (
      await c.transfers.sweepable(now, now - ABANDONED_UPLOAD_MS, 100 + tried.size)
    ).filter((t) => !tried.has(t.id));
    if (batch.length === 0) return removed;
    for (const t of batch) {
      tried.add(t.id);
      try {
        if (!t.deleting) {
          await c.transfers.markDeleting(t.id);
          if (t.status === 'ready' && t.revokedAt === null) {
            c.bus.emit('transfer:expired', {
              transferId: t.id,
              senderId: t.senderId,
              recipientIds: t.recipients.map((r) => r.userId),
            });
          }
        }
        await finishDeletion(c, t);
        removed++;
      } catch (err) {
        log.warn({ err, transferId: t.id }, 'sweeper could not delete a blob; retrying next pass');
      }
    }
  }
}

/** Name of the lease that makes one instance of a scaled-out relay the sweeper. */
export const SWEEPER_LEASE = 'sweeper';

/** One completed sweeper pass of this instance (for metrics). */
export interface SweepRun {
  /** Passes this instance has completed so far, this one included. */
  runs: number;
  removed: number;
  eventsPruned: number;
  durationMs: number;
}

export interface SweeperOptions {
  /** Called after each pass this instance ran (not for ticks where another instance holds the lease). */
  onSweep?: (run: SweepRun) => void;
  /** Lease holder id; a random one per sweeper by default. */
  holder?: string;
}

/**
 * Runs `sweep` every `intervalMs`, never two passes at once, and across instances only on the one
 * holding the sweeper lease (`c.leases`: Redis, or the record store). The holder renews the lease
 * each tick; it lasts three intervals, so a crashed holder's lease lapses and another instance
 * takes over. Each pass also prunes the realtime event log. Returns a stop function that gives
 * the lease up.
 */
export function startSweeper(
  c: Container,
  log: Log,
  intervalMs: number,
  options: SweeperOptions = {},
): () => void {
  const holder = options.holder ?? randomUUID();
  const ttlMs = intervalMs * 3;
  let runs = 0;
  const pass = async (): Promise<void> => {
    // Wall-clock time: instances compare lease expiries, and only real time is shared.
    if (!(await c.leases.acquire(SWEEPER_LEASE, holder, ttlMs, Date.now()))) return;
    const started = performance.now();
    const removed = await sweep(c, log);
    const eventsPruned = await c.events.prune(c.now() - eventRetentionMs(c.config));
    runs++;
    const run = { runs, removed, eventsPruned, durationMs: performance.now() - started };
    log.info({ sweeperRun: run, holder }, 'sweeper pass');
    options.onSweep?.(run);
  };
  const stop = repeatWithoutOverlap(intervalMs, pass, (err: unknown) => {
    log.error({ err }, 'sweeper pass failed');
  });
  return () => {
    stop();
    c.leases.release(SWEEPER_LEASE, holder).catch((err: unknown) => {
      log.warn({ err }, 'could not release the sweeper lease; it lapses by itself');
    });
  };
}
