import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDataCryptError } from '@datacrypt/shared-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDb, MIGRATIONS, type Migration } from '../src/core/index.js';
import { workspace } from './helpers/cli.js';
import { openDb } from './helpers/localdb.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await workspace());
});
afterAll(() => cleanup());

const BUILT_CORE = fileURLToPath(new URL('../dist/core/index.js', import.meta.url));

describe('LocalDb.open', () => {
  it('uses WAL, foreign keys and a busy timeout, in a private file', async () => {
    const db = openDb(dir, join('profile', 'datacrypt.db'), { busyTimeoutMs: 3000 });
    expect(db.pragmas()).toEqual({ journalMode: 'wal', foreignKeys: true, busyTimeoutMs: 3000 });
    expect(db.migrated).toEqual(MIGRATIONS.map((m) => m.version));
    expect(db.schemaVersion).toBe(MIGRATIONS.length);
    db.settings.set('written', true);
    expect((await stat(join(dir, 'profile', 'datacrypt.db-wal'))).mode & 0o777).toBe(0o600);
    db.close();
    expect((await stat(join(dir, 'profile', 'datacrypt.db'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'profile'))).mode & 0o777).toBe(0o700);
  });

  it('enforces foreign keys (a contact needs an account) and cascades deletes', () => {
    const db = openDb(dir, 'fk.db');
    expect(() => db.transfers.create({ accountId: 999, direction: 'send' })).toThrow(
      /rejected by the database \(SQLITE_CONSTRAINT_FOREIGNKEY\)/u,
    );
    const account = db.accounts.upsert({ relayUrl: 'https://relay.test', email: 'a@example.com' });
    const t = db.transfers.create({ accountId: account.id, direction: 'receive' });
    expect(db.accounts.delete(account.id)).toBe(true);
    expect(db.transfers.get(t.id)).toBeNull();
    db.close();
  });

  it('refuses a database from a newer DataCrypt with E_VERSION, and a renamed migration', () => {
    const future: Migration = { version: 5, name: 'future', sql: 'CREATE TABLE f (x INTEGER)' };
    openDb(dir, 'newer.db', { migrations: [...MIGRATIONS, future] }).close();
    let error: unknown;
    try {
      openDb(dir, 'newer.db');
    } catch (e) {
      error = e;
    }
    expect(isDataCryptError(error, 'E_VERSION')).toBe(true);
    expect(String(error)).toMatch(/schema version 5, newer than this DataCrypt \(4\)/u);

    openDb(dir, 'renamed.db').close();
    const renamed = MIGRATIONS.map((m) => (m.version === 2 ? { ...m, name: 'people' } : m));
    expect(() => openDb(dir, 'renamed.db', { migrations: renamed })).toThrow(
      /migration 2 is "contacts", expected "people"/u,
    );
  });

  it('reports a file that is not a database with E_IO', async () => {
    await writeFile(
      join(dir, 'garbage.db'),
      'this is not an SQLite database, just text'.repeat(50),
    );
    let error: unknown;
    try {
      LocalDb.open(join(dir, 'garbage.db'));
    } catch (e) {
      error = e;
    }
    expect(isDataCryptError(error, 'E_IO')).toBe(true);
  });

  it('survives a process killed in the middle of a transaction (WAL)', () => {
    if (!existsSync(BUILT_CORE)) throw new Error('run `npx tsc -b` at the repo root first');
    const path = join(dir, 'crash.db');
    const script = `
      const { LocalDb } = await import(${JSON.stringify(BUILT_CORE)});
      const db = LocalDb.open(${JSON.stringify(path)});
      const account = db.accounts.upsert({ relayUrl: 'https://relay.test', email: 'a@example.com' });
      db.transfers.create({ id: 'committed', accountId: account.id, direction: 'send' });
      db.settings.set('committed', true);
      db.transaction(() => {
        db.transfers.update('committed', { progressBytes: 999, state: 'active' });
        db.transfers.create({ id: 'uncommitted', accountId: account.id, direction: 'send' });
        process.kill(process.pid, 'SIGKILL');
      });
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(child.signal).toBe('SIGKILL');
    const db = LocalDb.open(path);
    expect(db.integrityOk()).toBe(true);
    expect(db.settings.get('committed')).toBe(true);
    expect(db.transfers.get('committed')).toMatchObject({ progressBytes: 0, state: 'queued' });
    expect(db.transfers.get('uncommitted')).toBeNull();
    db.close();
  });
});
