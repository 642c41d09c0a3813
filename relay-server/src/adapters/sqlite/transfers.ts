import type {
  PartRecord,
  RecipientRecord,
  TransferFilter,
  TransferRecord,
  TransferStore,
} from '../../ports.js';
import type { Db } from './db.js';

interface Row {
  id: string;
  sender_id: string;
  sender_email: string;
  size: number;
  part_size: number;
  part_count: number;
  status: 'uploading' | 'ready';
  deleting: number;
  created_at: number;
  finalized_at: number | null;
  expires_at: number;
  max_downloads: number | null;
  downloads: number;
  blob_handle: string | null;
}

interface RecipientRow {
  user_id: string;
  email: string;
  hidden: number;
  downloaded_at: number | null;
  receipt_signature: string | null;
  receipt_at: number | null;
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export class SqliteTransferStore implements TransferStore {
  constructor(private readonly db: Db) {}

  private recipients(transferId: string): RecipientRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM transfer_recipients WHERE transfer_id = ? ORDER BY email')
      .all(transferId) as RecipientRow[];
    return rows.map((r) => ({
      userId: r.user_id,
      email: r.email,
      hidden: r.hidden === 1,
      downloadedAt: r.downloaded_at,
      receipt:
        r.receipt_signature !== null && r.receipt_at !== null
          ? { signature: r.receipt_signature, createdAt: r.receipt_at }
          : null,
    }));
  }

  private toRecord(row: Row): TransferRecord {
    return {
      id: row.id,
      senderId: row.sender_id,
      senderEmail: row.sender_email,
      size: row.size,
      partSize: row.part_size,
      partCount: row.part_count,
      status: row.status,
      deleting: row.deleting === 1,
      createdAt: row.created_at,
      finalizedAt: row.finalized_at,
      expiresAt: row.expires_at,
      maxDownloads: row.max_downloads,
      downloads: row.downloads,
      blobHandle: row.blob_handle,
      recipients: this.recipients(row.id),
    };
  }

  create(t: TransferRecord): Promise<void> {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO transfers (id, sender_id, sender_email, size, part_size, part_count, status,
             deleting, created_at, finalized_at, expires_at, max_downloads, downloads, blob_handle)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          t.id,
          t.senderId,
          t.senderEmail,
          t.size,
          t.partSize,
          t.partCount,
          t.status,
          t.deleting ? 1 : 0,
          t.createdAt,
          t.finalizedAt,
          t.expiresAt,
          t.maxDownloads,
          t.downloads,
          t.blobHandle,
        );
      const insert = this.db.prepare(
        'INSERT INTO transfer_recipients (transfer_id, user_id, email, hidden) VALUES (?, ?, ?, ?)',
      );
      for (const r of t.recipients) insert.run(t.id, r.userId, r.email, r.hidden ? 1 : 0);
    })();
    return Promise.resolve();
  }

  get(id: string): Promise<TransferRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM transfers WHERE id = ?').get(id) as Row | undefined;
    return Promise.resolve(row && this.toRecord(row));
  }

  putPart(transferId: string, p: PartRecord): Promise<boolean> {
    // One statement: the row goes in only while the transfer exists and is not being deleted.
    const result = this.db
      .prepare(
        `INSERT INTO parts (transfer_id, n, size, sha256, etag)
         SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM transfers WHERE id = ? AND deleting = 0)
         ON CONFLICT(transfer_id, n) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256,
           etag = excluded.etag`,
      )
      .run(transferId, p.n, p.size, p.sha256, p.etag, transferId);
    return Promise.resolve(result.changes === 1);
  }

  parts(transferId: string): Promise<PartRecord[]> {
    return Promise.resolve(
      this.db
        .prepare('SELECT n, size, sha256, etag FROM parts WHERE transfer_id = ? ORDER BY n')
        .all(transferId) as PartRecord[],
    );
  }

  finalize(transferId: string, now: number): Promise<boolean> {
    const result = this.db
      .prepare(
        `UPDATE transfers SET status = 'ready', finalized_at = ?
         WHERE id = ? AND status = 'uploading' AND deleting = 0`,
      )
      .run(now, transferId);
    return Promise.resolve(result.changes === 1);
  }

  private list(
    base: string,
    params: (string | number)[],
    f: TransferFilter,
    now: number,
  ): { items: TransferRecord[]; total: number } {
    const where = [base, 't.deleting = 0'];
    const args = [...params];
    if (f.status === 'expired') {
      where.push('t.expires_at <= ?');
      args.push(now);
    } else if (f.status !== undefined) {
      where.push('t.status = ? AND t.expires_at > ?');
      args.push(f.status, now);
    }
    if (f.from !== undefined) {
      where.push('t.created_at >= ?');
      args.push(f.from);
    }
    if (f.to !== undefined) {
      where.push('t.created_at <= ?');
      args.push(f.to);
    }
    if (f.minSize !== undefined) {
      where.push('t.size >= ?');
      args.push(f.minSize);
    }
    if (f.maxSize !== undefined) {
      where.push('t.size <= ?');
      args.push(f.maxSize);
    }
    if (f.q !== undefined && f.q !== '') {
      const pattern = `%${likeEscape(f.q.toLowerCase())}%`;
      where.push(
        `(t.sender_email LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM transfer_recipients q
           WHERE q.transfer_id = t.id AND q.email LIKE ? ESCAPE '\\'))`,
      );
      args.push(pattern, pattern);
    }
    const clause = where.join(' AND ');
    const total = (
      this.db
        .prepare(
          `SELECT COUNT(*) AS c FROM transfers t ${clause.includes('r.') ? 'JOIN transfer_recipients r ON r.transfer_id = t.id' : ''} WHERE ${clause}`,
        )
        .get(...args) as { c: number }
    ).c;
    const rows = this.db
      .prepare(
        `SELECT t.* FROM transfers t ${clause.includes('r.') ? 'JOIN transfer_recipients r ON r.transfer_id = t.id' : ''}
         WHERE ${clause} ORDER BY t.created_at DESC, t.id LIMIT ? OFFSET ?`,
      )
      .all(...args, f.limit, f.offset) as Row[];
    return { items: rows.map((r) => this.toRecord(r)), total };
  }

  listInbox(userId: string, f: TransferFilter, now: number) {
    return Promise.resolve(
      this.list("r.user_id = ? AND r.hidden = 0 AND t.status = 'ready'", [userId], f, now),
    );
  }

  listSent(userId: string, f: TransferFilter, now: number) {
    return Promise.resolve(this.list('t.sender_id = ?', [userId], f, now));
  }

  recordDownload(transferId: string, recipientId: string, now: number): Promise<boolean> {
    const ok = this.db
      .transaction(() => {
        const counted = this.db
          .prepare(
            `UPDATE transfers SET downloads = downloads + 1
           WHERE id = ? AND (max_downloads IS NULL OR downloads < max_downloads)`,
          )
          .run(transferId);
        if (counted.changes !== 1) return false;
        this.db
          .prepare(
            `UPDATE transfer_recipients SET downloaded_at = COALESCE(downloaded_at, ?)
           WHERE transfer_id = ? AND user_id = ?`,
          )
          .run(now, transferId, recipientId);
        return true;
      })
      .immediate();
    return Promise.resolve(ok);
  }

  setReceipt(transferId: string, recipientId: string, signature: string, now: number) {
    const result = this.db
      .prepare(
        `UPDATE transfer_recipients SET receipt_signature = ?, receipt_at = ?
         WHERE transfer_id = ? AND user_id = ?`,
      )
      .run(signature, now, transferId, recipientId);
    return Promise.resolve(result.changes === 1);
  }

  hide(transferId: string, recipientId: string): Promise<boolean> {
    const result = this.db
      .prepare('UPDATE transfer_recipients SET hidden = 1 WHERE transfer_id = ? AND user_id = ?')
      .run(transferId, recipientId);
    return Promise.resolve(result.changes === 1);
  }

  markDeleting(transferId: string): Promise<void> {
    this.db.prepare('UPDATE transfers SET deleting = 1 WHERE id = ?').run(transferId);
    return Promise.resolve();
  }

  remove(transferId: string): Promise<void> {
    this.db.prepare('DELETE FROM transfers WHERE id = ?').run(transferId);
    return Promise.resolve();
  }

  sweepable(now: number, staleBefore: number, limit: number): Promise<TransferRecord[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM transfers WHERE deleting = 1 OR expires_at <= ?
           OR (status = 'uploading' AND created_at < ?) ORDER BY expires_at LIMIT ?`,
      )
      .all(now, staleBefore, limit) as Row[];
    return Promise.resolve(rows.map((r) => this.toRecord(r)));
  }

  usedBytes(userId: string): Promise<number> {
    const row = this.db
      .prepare(
        'SELECT COALESCE(SUM(size), 0) AS used FROM transfers WHERE sender_id = ? AND deleting = 0',
      )
      .get(userId) as { used: number };
    return Promise.resolve(row.used);
  }
}
