import { encodePublicIdentity } from '@datacrypt/shared-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, type LocalDb } from '../src/core/index.js';
import { workspace } from './helpers/cli.js';
import { openDb, seededIdentity } from './helpers/localdb.js';
import { present } from './helpers/present.js';

/*
 * One test per migration: it applies cleanly on a database at the previous version (holding
 * data), re-opening is a no-op, and the data written before and after survives.
 */
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await workspace());
});
afterAll(() => cleanup());

const bobKey = encodePublicIdentity(seededIdentity('migration-bob').publicIdentity);
const relayUrl = 'https://relay.test';

/** Writes sample data into the tables migration `version` added. */
function seed(db: LocalDb, version: number): void {
  const account = () => present(db.accounts.find({ relayUrl, email: 'alice@example.com' }));
  if (version === 1) db.accounts.upsert({ relayUrl, email: 'alice@example.com', userId: 'u_1' });
  if (version === 2) {
    db.contacts.add({ accountId: account().id, email: 'bob@example.com', publicIdentity: bobKey });
  }
  if (version === 3) {
    db.transfers.create({
      id: 't-1',
      accountId: account().id,
      direction: 'send',
      localPaths: ['/a'],
    });
  }
  if (version === 4) db.settings.set('theme', { mode: 'dark' });
}

/** Writes sample data into every table that exists at `version`. */
function seedUpTo(db: LocalDb, version: number): void {
  for (let v = 1; v <= version; v++) seed(db, v);
}

/** Checks the sample data of every table that exists at `version`. */
function check(db: LocalDb, version: number): void {
  const account = db.accounts.find({ relayUrl, email: 'alice@example.com' });
  expect(account?.userId).toBe('u_1');
  if (version >= 2) {
    const bob = present(db.contacts.findByEmail(present(account).id, 'bob@example.com'));
    expect(bob.publicIdentity).toBe(bobKey);
    expect(db.contacts.keyHistory(bob.id).map((k) => k.status)).toEqual(['pinned']);
  }
  if (version >= 3) expect(db.transfers.get('t-1')?.localPaths).toEqual(['/a']);
  if (version >= 4) expect(db.settings.get('theme')).toEqual({ mode: 'dark' });
}

const TABLES: Record<number, string[]> = {
  1: ['accounts', 'relays'],
  2: ['contact_keys', 'contacts'],
  3: ['transfers'],
  4: ['settings'],
};

function migrationTest(version: number): void {
  const migration = MIGRATIONS[version - 1];
  it(`${String(version).padStart(3, '0')}-${migration.name}`, () => {
    const name = `migration-${version}.db`;
    // The previous version, with data in it.
    const before = openDb(dir, name, { targetVersion: version - 1 });
    expect(before.schemaVersion).toBe(version - 1);
    seedUpTo(before, version - 1);
    for (const table of TABLES[version]) expect(before.tables()).not.toContain(table);
    before.close();

    // Applies cleanly.
    const after = openDb(dir, name, { targetVersion: version });
    expect(after.migrated).toEqual([version]);
    expect(after.schemaVersion).toBe(version);
    for (const table of TABLES[version]) expect(after.tables()).toContain(table);
    expect(after.migrations().map((m) => [m.version, m.name])).toEqual(
      MIGRATIONS.slice(0, version).map((m) => [m.version, m.name]),
    );
    seed(after, version); // the new tables take data
    const recorded = after.migrations();
    after.close();

    // Re-opening is idempotent and everything survives.
    const again = openDb(dir, name, { targetVersion: version });
    expect(again.migrated).toEqual([]);
    expect(again.migrations()).toEqual(recorded);
    expect(again.integrityOk()).toBe(true);
    check(again, version);
    again.close();
  });
}

describe('LocalDb migrations', () => {
  migrationTest(1);
  migrationTest(2);
  migrationTest(3);
  migrationTest(4);

  it('has a test above for every migration', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual([1, 2, 3, 4]);
    expect(Object.keys(TABLES).map(Number)).toEqual(MIGRATIONS.map((m) => m.version));
  });
});
