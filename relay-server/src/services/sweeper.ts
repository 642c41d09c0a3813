import type { Container } from '../container.js';
import type { Log } from '../log.js';
import type { TransferRecord } from '../ports.js';

// Uploads never finalized are abandoned after a day, so they stop counting against the quota.
export const ABANDONED_UPLOAD_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes a transfer crash-safely: the record is marked first (and from then on never served),
 * then the blob goes, then the record. A crash at any point leaves a marked record that the next
 * sweep finishes; never a record pointing at a missing blob.
 */
export async function purge(c: Container, t: TransferRecord): Promise<void> {
  if (!t.deleting) await c.transfers.markDeleting(t.id);
  await c.blobs.delete(t.id, t.blobHandle);
  await c.transfers.remove(t.id);
}

/** One pass over expired, revoked-but-unfinished and abandoned transfers; returns how many went. */
export async function sweep(c: Container, log: Log): Promise<number> {
  let removed = 0;
  const failed = new Set<string>();
  for (;;) {
    const now = c.now();
    const batch = (await c.transfers.sweepable(now, now - ABANDONED_UPLOAD_MS, 100)).filter(
      (t) => !failed.has(t.id),
    );
    if (batch.length === 0) return removed;
    for (const t of batch) {
      try {
        await purge(c, t);
        removed++;
        if (t.status === 'ready' && !t.deleting) {
          c.bus.emit('transfer:expired', {
            transferId: t.id,
            senderId: t.senderId,
            recipientIds: t.recipients.map((r) => r.userId),
          });
        }
      } catch (err) {
        failed.add(t.id);
        log.error({ err, transferId: t.id }, 'sweeper could not delete a transfer; will retry');
      }
    }
  }
}

/** Runs `sweep` every `intervalMs`, never two passes at once. Returns a stop function. */
export function startSweeper(c: Container, log: Log, intervalMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweep(c, log)
      .then((n) => {
        if (n > 0) log.info({ removed: n }, 'sweeper removed transfers');
      })
      .catch((err: unknown) => {
        log.error({ err }, 'sweeper pass failed');
      })
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
  };
}
