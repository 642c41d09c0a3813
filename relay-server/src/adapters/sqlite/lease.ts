import type { LeaseStore } from '../../ports.js';
import type { Db } from './db.js';

/**
 * Leases in the SQLite file, for one process or several sharing the file without Redis. The
 * conditional upsert is one statement, so of two instances racing for a free lease one wins.
 */
export class SqliteLeaseStore implements LeaseStore {
  constructor(private readonly db: Db) {}

  acquire(name: string, holder: string, ttlMs: number, now: number): Promise<boolean> {
    const result = this.db
      .prepare(
        `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`,
      )
      .run(name, holder, now + ttlMs, now);
    return Promise.resolve(result.changes === 1);
  }

  release(name: string, holder: string): Promise<void> {
    this.db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?').run(name, holder);
    return Promise.resolve();
  }
}
