import type {
  PartRecord,
  RecipientRecord,
  TransferFilter,
  TransferRecord,
  TransferStore,
} from '../../ports.js';
import type { Statement } from 'better-sqlite3';
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
  revoked_at: number | null;
  finalizing_at: number | null;
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

function toRecipient(r: RecipientRow): RecipientRecord {
  return {
    userId: r.user_id,
    email: r.email,
    hidden: r.hidden === 1,
    downloadedAt: r.downloaded_at,
    receipt:
      r.receipt_signature !== null && r.receipt_at !== null
        ? { signature: r.receipt_signature, createdAt: r.receipt_at }
        : null,
  };
}

/** Neither revoked nor waiting for its blob to be deleted. */
const LIVE = 'deleting = 0 AND revoked_at IS NULL';
/** Takes parts: uploading, not yet finalizing, live. */
const OPEN_UPLOAD = `status = 'uploading' AND finalizing_at IS NULL AND ${LIVE}`;

/** How one box is read: its rows, base condition (params bound first), page order, bare count. */
interface ListShape {
  from: string;
  base: string;
  order: string;
  /** Exact total when no filter applies; undefined: count with the full clause. */
  count?: string;
}

// Reads transfer_recipients' (user_id, hidden, listed, created_at DESC, transfer_id) index in
// order; `listed` stands for ready, not deleting, not revoked (the redundant t.* checks stay).
const INBOX: ListShape = {
  from: 'transfer_recipients r JOIN transfers t ON t.id = r.transfer_id',
  base: "r.user_id = ? AND r.hidden = 0 AND r.listed = 1 AND t.status = 'ready'",
  order: 'r.created_at DESC, r.transfer_id',
  count:
    'SELECT COUNT(*) AS c FROM transfer_recipients WHERE user_id = ? AND hidden = 0 AND listed = 1',
};

const SENT: ListShape = {
  from: 'transfers t',
  base: 't.sender_id = ?',
  order: 't.created_at DESC, t.id',
};

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export class SqliteTransferStore implements TransferStore {
  // Compiling a statement costs more than running these small queries: each SQL text (the
  // listing's filter combinations included, a bounded set) is compiled once.
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Db) {}

  private prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private recipients(transferId: string): RecipientRecord[] {
    const rows = this.prepare(
      'SELECT * FROM transfer_recipients WHERE transfer_id = ? ORDER BY email',
    ).all(transferId) as RecipientRow[];
    return rows.map(toRecipient);
  }

  /** Records for a page of rows, with every row's recipients read in one query. */
  private toRecords(rows: Row[]): TransferRecord[] {
    if (rows.length === 0) return [];
    const all = this.prepare(
      `SELECT * FROM transfer_recipients
       WHERE transfer_id IN (SELECT value FROM json_each(?)) ORDER BY transfer_id, email`,
    ).all(JSON.stringify(rows.map((r) => r.id))) as (RecipientRow & { transfer_id: string })[];
    const byTransfer = new Map<string, RecipientRecord[]>();
    for (const r of all) {
      const list = byTransfer.get(r.transfer_id) ?? [];
      list.push(toRecipient(r));
      byTransfer.set(r.transfer_id, list);
    }
    return rows.map((row) => this.toRecord(row, byTransfer.get(row.id) ?? []));
  }

  private toRecord(row: Row, recipients = this.recipients(row.id)): TransferRecord {
    return {
      id: row.id,
      senderId: row.sender_id,
      senderEmail: row.sender_email,
      size: row.size,
      partSize: row.part_size,
      partCount: row.part_count,
      status: row.status,
      deleting: row.deleting === 1,
      revokedAt: row.revoked_at,
      finalizingAt: row.finalizing_at,
      createdAt: row.created_at,
      finalizedAt: row.finalized_at,
      expiresAt: row.expires_at,
      maxDownloads: row.max_downloads,
      downloads: row.downloads,
      blobHandle: row.blob_handle,
      recipients,
    };
  }

  create(t: TransferRecord, quotaBytes?: number): Promise<boolean> {
    // IMMEDIATE: the quota sum and the insert happen under one write lock.
    const created = this.db.transaction(() => {
      if (quotaBytes !== undefined && this.used(t.senderId) + t.size > quotaBytes) return false;
      this.prepare(
        `INSERT INTO transfers (id, sender_id, sender_email, size, part_size, part_count, status,
             deleting, created_at, finalized_at, expires_at, max_downloads, downloads, blob_handle,
             revoked_at, finalizing_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
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
        t.revokedAt,
        t.finalizingAt,
      );
      const insert = this.prepare(
        `INSERT INTO transfer_recipients (transfer_id, user_id, email, hidden, created_at, listed)
           VALUES (?, ?, ?, ?, ?, ?)`,
      );
      const listed = t.status === 'ready' && !t.deleting && t.revokedAt === null ? 1 : 0;
      for (const r of t.recipients) {
        insert.run(t.id, r.userId, r.email, r.hidden ? 1 : 0, t.createdAt, listed);
      }
      return true;
    });
    return Promise.resolve(created.immediate());
  }

  get(id: string): Promise<TransferRecord | undefined> {
    const row = this.prepare('SELECT * FROM transfers WHERE id = ?').get(id) as Row | undefined;
    return Promise.resolve(row && this.toRecord(row));
  }

  putPart(transferId: string, p: PartRecord): Promise<boolean> {
    // One statement: the row goes in only while the transfer takes parts (see OPEN_UPLOAD).
    const result = this.prepare(
      `INSERT INTO parts (transfer_id, n, size, sha256, etag)
         SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM transfers WHERE id = ? AND ${OPEN_UPLOAD})
         ON CONFLICT(transfer_id, n) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256,
           etag = excluded.etag`,
    ).run(transferId, p.n, p.size, p.sha256, p.etag, transferId);
    return Promise.resolve(result.changes === 1);
  }

  parts(transferId: string): Promise<PartRecord[]> {
    return Promise.resolve(
      this.prepare('SELECT n, size, sha256, etag FROM parts WHERE transfer_id = ? ORDER BY n').all(
        transferId,
      ) as PartRecord[],
    );
  }

  beginFinalize(transferId: string, now: number): Promise<boolean> {
    const result = this.prepare(
      `UPDATE transfers SET finalizing_at = ? WHERE id = ? AND ${OPEN_UPLOAD}`,
    ).run(now, transferId);
    return Promise.resolve(result.changes === 1);
  }

  finalize(transferId: string, now: number): Promise<boolean> {
    const done = this.db.transaction(() => {
      const result = this.prepare(
        `UPDATE transfers SET status = 'ready', finalized_at = ?
           WHERE id = ? AND status = 'uploading' AND finalizing_at IS NOT NULL AND ${LIVE}`,
      ).run(now, transferId);
      if (result.changes !== 1) return false;
      this.setListed(transferId, true);
      return true;
    });
    return Promise.resolve(done.immediate());
  }

  /** Keeps the recipients' copy of "listed" (migration 5) in step with the transfer's state. */
  private setListed(transferId: string, listed: boolean): void {
    this.prepare('UPDATE transfer_recipients SET listed = ? WHERE transfer_id = ?').run(
      listed ? 1 : 0,
      transferId,
    );
  }

  private list(
    box: ListShape,
    params: (string | number)[],
    f: TransferFilter,
    now: number,
  ): { items: TransferRecord[]; total: number } {
    const where = [box.base, 't.deleting = 0', 't.revoked_at IS NULL'];
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
    // Without filters the box's own count (an index-only count for the inbox) is exact.
    const total = (
      (where.length === 3 && box.count !== undefined
        ? this.prepare(box.count).get(...params)
        : this.prepare(`SELECT COUNT(*) AS c FROM ${box.from} WHERE ${clause}`).get(...args)) as {
        c: number;
      }
    ).c;
    // Ids first, then the page's rows: the inbox's ids come in index order (migration 5), so
    // the query stops after the page instead of sorting the whole inbox.
    const ids = this.prepare(
      `SELECT t.id FROM ${box.from} WHERE ${clause} ORDER BY ${box.order} LIMIT ? OFFSET ?`,
    )
      .pluck()
      .all(...args, f.limit, f.offset) as string[];
    if (ids.length === 0) return { items: [], total };
    const byId = new Map(
      (
        this.prepare('SELECT * FROM transfers WHERE id IN (SELECT value FROM json_each(?))').all(
          JSON.stringify(ids),
        ) as Row[]
      ).map((row) => [row.id, row]),
    );
    const rows = ids.flatMap((id) => byId.get(id) ?? []);
    return { items: this.toRecords(rows), total };
  }

  listInbox(userId: string, f: TransferFilter, now: number) {
    return Promise.resolve(this.list(INBOX, [userId], f, now));
  }

  listSent(userId: string, f: TransferFilter, now: number) {
    return Promise.resolve(this.list(SENT, [userId], f, now));
  }

  recordDownload(transferId: string, recipientId: string, now: number): Promise<boolean> {
    const ok = this.db
      .transaction(() => {
        const counted = this.prepare(
          `UPDATE transfers SET downloads = downloads + 1
           WHERE id = ? AND ${LIVE} AND (max_downloads IS NULL OR downloads < max_downloads)`,
        ).run(transferId);
        if (counted.changes !== 1) return false;
        this.prepare(
          `UPDATE transfer_recipients SET downloaded_at = COALESCE(downloaded_at, ?)
           WHERE transfer_id = ? AND user_id = ?`,
        ).run(now, transferId, recipientId);
        return true;
      })
      .immediate();
    return Promise.resolve(ok);
  }

  setReceipt(transferId: string, recipientId: string, signature: string, now: number) {
    const result = this.prepare(
      `UPDATE transfer_recipients SET receipt_signature = ?, receipt_at = ?
         WHERE transfer_id = ? AND user_id = ?`,
    ).run(signature, now, transferId, recipientId);
    return Promise.resolve(result.changes === 1);
  }

  hide(transferId: string, recipientId: string): Promise<boolean> {
    const result = this.prepare(
      'UPDATE transfer_recipients SET hidden = 1 WHERE transfer_id = ? AND user_id = ?',
    ).run(transferId, recipientId);
    return Promise.resolve(result.changes === 1);
  }

  markDeleting(transferId: string): Promise<void> {
    this.db.transaction(() => {
      this.prepare('UPDATE transfers SET deleting = 1 WHERE id = ?').run(transferId);
      this.setListed(transferId, false);
    })();
    return Promise.resolve();
  }

  revoke(transferId: string, now: number): Promise<boolean> {
    const revoked = this.db.transaction(() => {
      const result = this.prepare(
        'UPDATE transfers SET revoked_at = ?, deleting = 1 WHERE id = ? AND revoked_at IS NULL',
      ).run(now, transferId);
      if (result.changes !== 1) return false;
      this.setListed(transferId, false);
      return true;
    });
    return Promise.resolve(revoked.immediate());
  }

  keepTombstone(transferId: string): Promise<void> {
    this.db.transaction(() => {
      this.prepare('UPDATE transfers SET deleting = 0 WHERE id = ? AND revoked_at IS NOT NULL').run(
        transferId,
      );
      this.prepare('DELETE FROM parts WHERE transfer_id = ?').run(transferId);
    })();
    return Promise.resolve();
  }

  remove(transferId: string): Promise<void> {
    this.prepare('DELETE FROM transfers WHERE id = ?').run(transferId);
    return Promise.resolve();
  }

  sweepable(now: number, staleBefore: number, limit: number): Promise<TransferRecord[]> {
    const rows = this.prepare(
      `SELECT * FROM transfers WHERE deleting = 1 OR expires_at <= ?
           OR (status = 'uploading' AND revoked_at IS NULL AND created_at < ?)
           ORDER BY expires_at LIMIT ?`,
    ).all(now, staleBefore, limit) as Row[];
    return Promise.resolve(rows.map((r) => this.toRecord(r)));
  }

  private used(userId: string): number {
    const row = this.prepare(
      `SELECT COALESCE(SUM(size), 0) AS used FROM transfers WHERE sender_id = ? AND ${LIVE}`,
    ).get(userId) as { used: number };
    return row.used;
  }

  usedBytes(userId: string): Promise<number> {
    return Promise.resolve(this.used(userId));
  }

  ping(): Promise<void> {
    // Inside then(): a closed database throws synchronously, and ping must reject, not throw.
    return Promise.resolve().then(() => {
      this.db.prepare('SELECT 1').get();
    });
  }
}
