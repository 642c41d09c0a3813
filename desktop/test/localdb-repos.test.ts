import { encodePublicIdentity, fingerprint } from '@datacrypt/shared-crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UNFINISHED_STATES, type Account, type LocalDb } from '../src/core/index.js';
import { workspace } from './helpers/cli.js';
import { openDb, seededIdentity } from './helpers/localdb.js';
import { present } from './helpers/present.js';

let dir: string;
let cleanup: () => Promise<void>;
let db: LocalDb;
let alice: Account;
let n = 0;
beforeAll(async () => {
  ({ dir, cleanup } = await workspace());
});
afterAll(() => cleanup());
beforeEach(() => {
  n += 1;
  db = openDb(dir, `repos-${n}.db`);
  alice = db.accounts.upsert({ relayUrl: 'https://relay.test/', email: 'Alice@Example.com' });
  return () => {
    db.close();
  };
});

const key = (seed: string) => encodePublicIdentity(seededIdentity(seed).publicIdentity);

describe('accounts and relays', () => {
  it('normalizes, upserts and lists', () => {
    expect(alice).toMatchObject({
      relayUrl: 'https://relay.test',
      email: 'alice@example.com',
      userId: null,
    });
    expect(alice.createdAt).toBe(alice.updatedAt);
    expect(alice.createdAt.startsWith('2026-01-01T00:00:')).toBe(true);
    const again = db.accounts.upsert({
      relayUrl: 'https://RELAY.test',
      email: 'alice@example.com',
      userId: 'u_42',
    });
    expect(again.id).toBe(alice.id);
    expect(again.userId).toBe('u_42');
    expect(
      db.accounts.upsert({ relayUrl: 'https://relay.test', email: 'alice@example.com' }).userId,
    ).toBe('u_42');
    expect(
      db.accounts.upsert({
        relayUrl: 'https://relay.test',
        email: 'alice@example.com',
        userId: null,
      }).userId,
    ).toBeNull();
    const other = db.accounts.upsert({
      relayUrl: 'https://other.test',
      email: 'alice@example.com',
    });
    expect(db.accounts.list().map((a) => a.id)).toEqual([alice.id, other.id]);
    expect(db.accounts.listRelays().map((r) => r.url)).toEqual([
      'https://relay.test',
      'https://other.test',
    ]);
    expect(db.accounts.get(other.id)?.relayUrl).toBe('https://other.test');
    expect(db.accounts.find({ relayUrl: 'https://nowhere.test', email: 'a@b.c' })).toBeNull();
  });
});

describe('contacts', () => {
  it('pins the first key (unverified), verifies, and keeps the key history', () => {
    const bob = db.contacts.add({
      accountId: alice.id,
      email: 'Bob@Example.com',
      publicIdentity: key('bob-1'),
    });
    expect(bob).toMatchObject({
      email: 'bob@example.com',
      publicIdentity: key('bob-1'),
      fingerprint: fingerprint(key('bob-1')),
      verified: false,
      verifiedAt: null,
    });
    expect(() =>
      db.contacts.add({
        accountId: alice.id,
        email: 'bob@example.com',
        publicIdentity: key('bob-1'),
      }),
    ).toThrow(/already a contact/u);

    const verified = db.contacts.setVerified(bob.id, true, new Date('2026-05-05T00:00:00Z'));
    expect(verified).toMatchObject({ verified: true, verifiedAt: '2026-05-05T00:00:00.000Z' });

    // The directory serves another key: recorded as pending, the pinned key stays.
    const pending = db.contacts.recordKey(bob.id, {
      publicIdentity: key('bob-2'),
      status: 'pending',
    });
    expect(pending.status).toBe('pending');
    expect(db.contacts.get(bob.id)?.publicIdentity).toBe(key('bob-1'));
    // Recording the pinned key as rejected leaves it pinned.
    expect(
      db.contacts.recordKey(bob.id, { publicIdentity: key('bob-1'), status: 'rejected' }).status,
    ).toBe('pinned');

    // The user accepts the new key: repinned, unverified again.
    const repinned = db.contacts.repin(bob.id, key('bob-2'));
    expect(repinned).toMatchObject({
      publicIdentity: key('bob-2'),
      verified: false,
      verifiedAt: null,
    });
    expect(db.contacts.keyHistory(bob.id).map((k) => [k.fingerprint, k.status])).toEqual([
      [fingerprint(key('bob-1')), 'previous'],
      [fingerprint(key('bob-2')), 'pinned'],
    ]);
    expect(db.contacts.list(alice.id).map((c) => c.email)).toEqual(['bob@example.com']);
    expect(db.contacts.findByEmail(alice.id, 'BOB@example.com')?.id).toBe(bob.id);
    expect(db.contacts.delete(bob.id)).toBe(true);
    expect(db.contacts.keyHistory(bob.id)).toEqual([]);
  });

  it('rejects an invalid public identity with E_IDENTITY and an unknown contact with E_ARGUMENT', () => {
    expect(() =>
      db.contacts.add({
        accountId: alice.id,
        email: 'x@example.com',
        publicIdentity: 'datacrypt1notakey',
      }),
    ).toThrow(expect.objectContaining({ code: 'E_IDENTITY' }) as Error);
    expect(() => db.contacts.setVerified(12345, true)).toThrow(
      expect.objectContaining({ code: 'E_ARGUMENT' }) as Error,
    );
  });
});

describe('transfers', () => {
  it('creates, updates progress and resume data, and finds unfinished ones', () => {
    const t = db.transfers.create({
      accountId: alice.id,
      direction: 'send',
      totalBytes: 1000,
      localPaths: ['/home/alice/a.pdf', '/home/alice/photos'],
    });
    expect(t).toMatchObject({
      state: 'queued',
      progressBytes: 0,
      resumeData: {},
      relayTransferId: null,
    });
    expect(t.id).toMatch(/^[0-9a-f-]{36}$/u);
    const updated = db.transfers.update(t.id, {
      state: 'active',
      relayTransferId: 'tr_1',
      progressBytes: 512,
      resumeData: { parts: [0, 1], uploadId: 'u' },
    });
    expect(updated).toMatchObject({
      state: 'active',
      relayTransferId: 'tr_1',
      progressBytes: 512,
      resumeData: { parts: [0, 1], uploadId: 'u' },
    });
    expect(present(updated).updatedAt > t.updatedAt).toBe(true);
    const done = db.transfers.create({
      accountId: alice.id,
      direction: 'receive',
      state: 'completed',
    });
    expect(db.transfers.list({ states: UNFINISHED_STATES }).map((x) => x.id)).toEqual([t.id]);
    expect(db.transfers.list({ direction: 'receive' }).map((x) => x.id)).toEqual([done.id]);
    expect(db.transfers.list({ accountId: alice.id })).toHaveLength(2);
    expect(db.transfers.list({ states: [] })).toEqual([]);
    expect(db.transfers.findByRelayId(alice.id, 'send', 'tr_1')?.id).toBe(t.id);
    expect(db.transfers.update('missing', { state: 'failed' })).toBeNull();
    expect(() => db.transfers.create({ id: t.id, accountId: alice.id, direction: 'send' })).toThrow(
      /already exists/u,
    );
    expect(() => db.transfers.update(t.id, { state: 'exploded' as never })).toThrow(
      /state must be one of/u,
    );
    expect(() => db.transfers.update(t.id, { progressBytes: -1 })).toThrow(/integer >= 0/u);
    expect(db.transfers.delete(t.id)).toBe(true);
  });
});

describe('settings', () => {
  it('stores JSON values by key', () => {
    expect(db.settings.get('missing')).toBeUndefined();
    db.settings.set('relay.url', 'https://relay.test');
    db.settings.set('limits', { parallel: 4, bandwidth: null, list: [1, 'two', false] });
    db.settings.set('relay.url', 'https://other.test');
    expect(db.settings.all()).toEqual({
      limits: { parallel: 4, bandwidth: null, list: [1, 'two', false] },
      'relay.url': 'https://other.test',
    });
    expect(db.settings.delete('limits')).toBe(true);
    expect(db.settings.delete('limits')).toBe(false);
    expect(() => {
      db.settings.set('x', undefined as never);
    }).toThrow(expect.objectContaining({ code: 'E_ARGUMENT' }) as Error);
  });
});
