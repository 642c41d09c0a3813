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
