import type { RealtimeEventName } from '../../contract/index.js';
import type { EventLog, EventLogEntry, KeyWatch, KeyWatchers } from '../../ports.js';
import type { Db } from './db.js';

interface EventRow {
  seq: number;
  event: RealtimeEventName;
  payload: string;
  at: number;
}

/**
 * Event log on the relay's SQLite file. One AUTOINCREMENT sequence for all users: SQLite commits
 * writers one at a time (also across processes sharing the file), so a row never becomes visible
 * behind a sequence number a reader has already passed.
 */
export class SqliteEventLog implements EventLog {
  constructor(private readonly db: Db) {}

  append(
    userIds: readonly string[],
    event: RealtimeEventName,
    payload: Record<string, unknown>,
    at: number,
  ): Promise<string[]> {
    const insert = this.db.prepare(
      'INSERT INTO events (user_id, event, payload, at) VALUES (?, ?, ?, ?)',
    );
    const json = JSON.stringify(payload);
    const cursors = this.db.transaction(() =>
      userIds.map((id) => String(insert.run(id, event, json, at).lastInsertRowid)),
    )();
    return Promise.resolve(cursors);
  }

  after(userId: string, cursor: string | null, limit: number): Promise<EventLogEntry[]> {
    const rows = this.db
      .prepare(
        `SELECT seq, event, payload, at FROM events WHERE user_id = ? AND seq > ?
         ORDER BY seq LIMIT ?`,
      )
      .all(userId, cursor === null ? 0 : Number(cursor), limit) as EventRow[];
    return Promise.resolve(
      rows.map((r) => ({
        cursor: String(r.seq),
        event: r.event,
        payload: JSON.parse(r.payload) as Record<string, unknown>,
        at: r.at,
      })),
    );
  }

  prune(before: number): Promise<number> {
    return Promise.resolve(this.db.prepare('DELETE FROM events WHERE at < ?').run(before).changes);
  }
}

export class SqliteKeyWatchers implements KeyWatchers {
  constructor(private readonly db: Db) {}

  watch(pairs: readonly KeyWatch[], at: number): Promise<void> {
    const upsert = this.db.prepare(
      `INSERT INTO key_watchers (subject_id, watcher_id, at) VALUES (?, ?, ?)
       ON CONFLICT (subject_id, watcher_id) DO UPDATE SET at = MAX(at, excluded.at)`,
    );
    // One transaction, so one fsync however many recipients a transfer has.
    this.db.transaction(() => {
      for (const { watcherId, subjectId } of pairs) {
        if (watcherId !== subjectId) upsert.run(subjectId, watcherId, at);
      }
    })();
    return Promise.resolve();
  }

  watchersOf(subjectId: string): Promise<string[]> {
    const rows = this.db
      .prepare('SELECT watcher_id FROM key_watchers WHERE subject_id = ? ORDER BY watcher_id')
      .all(subjectId) as { watcher_id: string }[];
    return Promise.resolve(rows.map((r) => r.watcher_id));
  }
}
