import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteAccountStore } from '../src/adapters/sqlite/accounts.js';
import { SqliteAuditLog } from '../src/adapters/sqlite/audit.js';
import { SqliteEventLog, SqliteKeyWatchers } from '../src/adapters/sqlite/events.js';
import { SqliteLeaseStore } from '../src/adapters/sqlite/lease.js';
import { openDatabase } from '../src/adapters/sqlite/db.js';
import { SqliteKeyDirectory } from '../src/adapters/sqlite/keys.js';
import { migrations } from '../src/adapters/sqlite/migrations.js';
import { SqliteTokenStore } from '../src/adapters/sqlite/tokens.js';
import { SqliteTransferStore } from '../src/adapters/sqlite/transfers.js';
import { recordStoreContract } from './contracts/record-stores.js';

recordStoreContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'records-'));
  const db = openDatabase(join(dir, 'relay.sqlite'));
  return {
    stores: {
      accounts: new SqliteAccountStore(db),
      tokens: new SqliteTokenStore(db),
      keys: new SqliteKeyDirectory(db),
      transfers: new SqliteTransferStore(db),
      audit: new SqliteAuditLog(db),
      events: new SqliteEventLog(db),
      watchers: new SqliteKeyWatchers(db),
      leases: new SqliteLeaseStore(db),
    },
    cleanup: async () => {
      db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite database', () => {
  it('upgrades a database written by an older schema and keeps its rows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'records-'));
    try {
      const file = join(dir, 'relay.sqlite');
      const old = new Database(file);
      old.exec(migrations[0] ?? '');
      old.pragma('user_version = 1');
      old
        .prepare(
          "INSERT INTO accounts (id, email, password_hash, role, created_at) VALUES ('id-0000000000000001', 'old@example.com', 'h', 'user', 1)",
        )
        .run();
      old.close();
      const db = openDatabase(file);
      const accounts = new SqliteAccountStore(db);
      expect(await accounts.byEmail('old@example.com')).toMatchObject({ totpLastStep: null });
      await accounts.update('id-0000000000000001', { totpLastStep: 7 });
      expect((await accounts.byEmail('old@example.com'))?.totpLastStep).toBe(7);
      db.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('migration 5 indexes existing inbox rows: same totals and order, hidden and revoked left out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'records-'));
    try {
      const file = join(dir, 'relay.sqlite');
      const old = new Database(file);
      for (const sql of migrations.slice(0, 4)) old.exec(sql);
      old.pragma('user_version = 4');
      const insert = old.prepare(
        `INSERT INTO transfers (id, sender_id, sender_email, size, part_size, part_count, status,
           created_at, expires_at, revoked_at, deleting) VALUES (?, 's', 's@x', 1, 1, 1, ?, ?, 9e12, ?, ?)`,
      );
      const to = old.prepare(
        "INSERT INTO transfer_recipients (transfer_id, user_id, email, hidden) VALUES (?, 'r', 'r@x', ?)",
      );
      // [id, status, created_at, revoked_at, deleting, hidden]
      const rows: [string, string, number, number | null, number, number][] = [
        ['t-a', 'ready', 10, null, 0, 0],
        ['t-b', 'ready', 30, null, 0, 0],
        ['t-c', 'ready', 30, null, 0, 0],
        ['t-d', 'ready', 20, null, 0, 1],
        ['t-e', 'ready', 40, 5, 1, 0],
        ['t-f', 'uploading', 50, null, 0, 0],
        ['t-g', 'ready', 60, null, 1, 0],
      ];
      for (const [id, status, at, revoked, deleting, hidden] of rows) {
        insert.run(id, status, at, revoked, deleting);
        to.run(id, hidden);
      }
      old.close();
      const db = openDatabase(file);
      expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
      const store = new SqliteTransferStore(db);
      const page = { limit: 2, offset: 0 };
      const first = await store.listInbox('r', page, 1);
      expect(first.total).toBe(3);
      expect(first.items.map((t) => t.id)).toEqual(['t-b', 't-c']);
      const second = await store.listInbox('r', { ...page, offset: 2 }, 1);
      expect(second).toMatchObject({ total: 3, items: [{ id: 't-a' }] });
      // The migrated rows stay in step afterwards: finalize lists, revoke and delete unlist.
      expect(await store.beginFinalize('t-f', 2)).toBe(true);
      expect(await store.finalize('t-f', 3)).toBe(true);
      expect((await store.listInbox('r', page, 4)).items.map((t) => t.id)).toEqual(['t-f', 't-b']);
      expect(await store.revoke('t-f', 5)).toBe(true);
      await store.markDeleting('t-b');
      const after = await store.listInbox('r', { limit: 10, offset: 0 }, 6);
      expect(after).toMatchObject({ total: 2, items: [{ id: 't-c' }, { id: 't-a' }] });
      db.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs in WAL mode, records the schema version and reopens without re-migrating', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'records-'));
    try {
      const file = join(dir, 'relay.sqlite');
      const db = openDatabase(file);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
      db.close();
      const again = openDatabase(file);
      expect(again.pragma('user_version', { simple: true })).toBe(migrations.length);
      again.pragma(`user_version = ${migrations.length + 1}`);
      again.close();
      expect(() => openDatabase(file)).toThrow(/newer than this relay/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const mongoUrl = process.env.MONGODB_URL;
if (mongoUrl === undefined || mongoUrl === '') {
  console.warn(
    [
      '',
      '################################################################################',
      '#  SKIPPED: MongoDB record-store contract. MONGODB_URL is not set, and no     #',
      '#  MongoDB server can run on this machine. Set MONGODB_URL=mongodb://host/db   #',
      '#  to run the same contract suite against the mongoose adapters.              #',
      '################################################################################',
      '',
    ].join('\n'),
  );
}

describe.skipIf(mongoUrl === undefined || mongoUrl === '')('mongodb (MONGODB_URL)', () => {
  recordStoreContract('mongodb', async () => {
    const { connectMongo } = await import('../src/adapters/mongo/connect.js');
    // A database of its own per run, dropped afterwards.
    const url = new URL(mongoUrl ?? '');
    url.pathname = `/datacrypt-test-${Date.now()}-${process.pid}`;
    const records = await connectMongo(url.toString());
    return {
      stores: records,
      cleanup: async () => {
        await records.dropDatabase();
        await records.close();
      },
    };
  });
});
