import { encodePublicIdentity, isDataCryptError } from '@datacrypt/shared-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS, type LocalDb } from '../src/core/index.js';
import { workspace } from './helpers/cli.js';
import { openDb, seededIdentity } from './helpers/localdb.js';

let dir: string;
let cleanup: () => Promise<void>;
let db: LocalDb;
beforeAll(async () => {
  ({ dir, cleanup } = await workspace());
  db = openDb(dir, 'hostile.db');
});
afterAll(async () => {
  db.close();
  await cleanup();
});

const INJECTIONS = [
  "'); DROP TABLE transfers; --",
  "x' OR '1'='1",
  'Robert"); DELETE FROM settings WHERE ("1"="1',
  '%_\\ ; -- /* */ ?1 :name @p $v',
  '\u202e\u{1F4A3} \u00e9\r\n\t',
  "'||(SELECT sql FROM sqlite_schema)||'",
];

function expectCode(work: () => unknown, code: string, message: RegExp): void {
  let error: unknown;
  try {
    work();
  } catch (e) {
    error = e;
  }
  expect(isDataCryptError(error) && error.code === code).toBe(true);
  expect(String(error)).toMatch(message);
}

describe('LocalDb with hostile input', () => {
  it('stores SQL-injection-shaped strings verbatim and reads them back', () => {
    const account = db.accounts.upsert({
      relayUrl: 'https://relay.test',
      email: "o'brien--;drop@example.com",
      userId: INJECTIONS[0],
    });
    expect(db.accounts.get(account.id)).toMatchObject({
      email: "o'brien--;drop@example.com",
      userId: INJECTIONS[0],
    });
    const contact = db.contacts.add({
      accountId: account.id,
      email: "x');drop_table--@example.com",
      publicIdentity: encodePublicIdentity(seededIdentity('hostile').publicIdentity),
    });
    expect(db.contacts.findByEmail(account.id, "x');drop_table--@example.com")?.id).toBe(
      contact.id,
    );
    for (const [i, text] of INJECTIONS.entries()) {
      const t = db.transfers.create({
        id: text,
        accountId: account.id,
        direction: 'receive',
        relayTransferId: `${text}-${i}`,
        localPaths: [text, `/tmp/${text}`],
        resumeData: { [text]: text, nested: [text] },
      });
      db.transfers.update(t.id, { errorCode: text });
      expect(db.transfers.get(text)).toMatchObject({
        id: text,
        relayTransferId: `${text}-${i}`,
        localPaths: [text, `/tmp/${text}`],
        resumeData: { [text]: text, nested: [text] },
        errorCode: text,
      });
      db.settings.set(text, { value: text });
      expect(db.settings.get(text)).toEqual({ value: text });
    }
    expect(db.tables()).toEqual([
      'accounts',
      'contact_keys',
      'contacts',
      'relays',
      'schema_migrations',
      'settings',
      'transfers',
    ]);
    expect(db.transfers.list()).toHaveLength(INJECTIONS.length);
    expect(Object.keys(db.settings.all())).toHaveLength(INJECTIONS.length);
  });

  it('rejects oversized values with E_ARGUMENT and stores nothing', () => {
    const account = db.accounts.upsert({ relayUrl: 'https://big.test', email: 'big@example.com' });
    const before = db.transfers.list().length;
    expectCode(
      () => {
        db.settings.set('big', 'x'.repeat(LIMITS.settingValue));
      },
      'E_ARGUMENT',
      /setting value exceeds 65536 bytes/u,
    );
    expectCode(
      () => {
        db.settings.set('k'.repeat(LIMITS.settingKey + 1), 1);
      },
      'E_ARGUMENT',
      /setting key exceeds/u,
    );
    expectCode(
      () =>
        db.transfers.create({
          accountId: account.id,
          direction: 'send',
          resumeData: { blob: 'x'.repeat(LIMITS.resumeData) },
        }),
      'E_ARGUMENT',
      /resume data exceeds/u,
    );
    expectCode(
      () =>
        db.transfers.create({
          accountId: account.id,
          direction: 'send',
          localPaths: ['/a'.repeat(LIMITS.path)],
        }),
      'E_ARGUMENT',
      /local path exceeds/u,
    );
    expectCode(
      () =>
        db.transfers.create({
          accountId: account.id,
          direction: 'send',
          localPaths: Array.from({ length: 400 }, (_, i) => `${i}`.padEnd(4000, 'p')),
        }),
      'E_ARGUMENT',
      /local paths exceeds/u,
    );
    expectCode(
      () =>
        db.accounts.upsert({
          relayUrl: 'https://big.test',
          email: 'big@example.com',
          userId: 'u'.repeat(LIMITS.id + 1),
        }),
      'E_ARGUMENT',
      /user id exceeds/u,
    );
    expectCode(
      () =>
        db.accounts.upsert({
          relayUrl: 'https://big.test',
          email: `${'e'.repeat(300)}@example.com`,
        }),
      'E_ARGUMENT',
      /email must be/u,
    );
    expectCode(
      () =>
        db.contacts.add({
          accountId: account.id,
          email: 'c@example.com',
          publicIdentity: 'p'.repeat(LIMITS.publicIdentity + 1),
        }),
      'E_ARGUMENT',
      /public identity exceeds/u,
    );
    expect(db.transfers.list().length).toBe(before);
    expect(db.settings.get('big')).toBeUndefined();
    expect(
      db.accounts.find({ relayUrl: 'https://big.test', email: 'big@example.com' })?.userId,
    ).toBeNull();
  });

  it('rejects values JSON or SQLite cannot hold faithfully', () => {
    const account = db.accounts.upsert({ relayUrl: 'https://odd.test', email: 'odd@example.com' });
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    for (const value of [undefined, Number.NaN, Infinity, { n: 10n }, cyclic, () => 1]) {
      expectCode(
        () => {
          db.settings.set('odd', value as never);
        },
        'E_ARGUMENT',
        /not representable as JSON/u,
      );
    }
    expectCode(
      () => {
        db.settings.set('nul\u0000key', 1);
      },
      'E_ARGUMENT',
      /NUL/u,
    );
    expectCode(
      () => {
        db.settings.set('', 1);
      },
      'E_ARGUMENT',
      /non-empty/u,
    );
    expectCode(
      () => db.transfers.create({ accountId: account.id, direction: 'sideways' as never }),
      'E_ARGUMENT',
      /direction/u,
    );
    expectCode(
      () => db.transfers.create({ accountId: account.id, direction: 'send', totalBytes: 2 ** 60 }),
      'E_ARGUMENT',
      /integer >= 0/u,
    );
    expectCode(
      () =>
        db.transfers.create({
          accountId: account.id,
          direction: 'send',
          localPaths: 'not-a-list' as never,
        }),
      'E_ARGUMENT',
      /must be a list/u,
    );
    expectCode(
      () => db.accounts.upsert({ relayUrl: "javascript:alert('x')", email: 'odd@example.com' }),
      'E_ARGUMENT',
      /https:\/\/ or http:\/\//u,
    );
  });
});
