import type { AuditEventType } from '../../contract/index.js';
import type { AuditLog, AuditRecord } from '../../ports.js';
import type { Db } from './db.js';

export class SqliteAuditLog implements AuditLog {
  constructor(private readonly db: Db) {}

  append(e: AuditRecord): Promise<void> {
    this.db
      .prepare('INSERT INTO audit (user_id, type, at, ip, transfer_id) VALUES (?, ?, ?, ?, ?)')
      .run(e.userId, e.type, e.at, e.ip, e.transferId);
    return Promise.resolve();
  }

  list(userId: string, limit: number, offset: number): Promise<AuditRecord[]> {
    const rows = this.db
      .prepare(
        'SELECT user_id, type, at, ip, transfer_id FROM audit WHERE user_id = ? ORDER BY seq DESC LIMIT ? OFFSET ?',
      )
      .all(userId, limit, offset) as {
      user_id: string;
      type: AuditEventType;
      at: number;
      ip: string | null;
      transfer_id: string | null;
    }[];
    return Promise.resolve(
      rows.map((r) => ({
        userId: r.user_id,
        type: r.type,
        at: r.at,
        ip: r.ip,
        transferId: r.transfer_id,
      })),
    );
  }
}
