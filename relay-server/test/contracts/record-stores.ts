import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ports } from '../../src/container.js';
import type { Account, TransferRecord } from '../../src/ports.js';
import { newId } from '../../src/services/crypto.js';
import { newAccount } from '../../src/services/new-account.js';

type Records = Pick<
  Ports,
  'accounts' | 'tokens' | 'keys' | 'transfers' | 'audit' | 'events' | 'watchers' | 'leases'
>;

function account(email: string): Account {
  return newAccount({
    email,
    passwordHash: 'hash',
    role: 'user',
    verified: false,
    createdAt: 1000,
  });
}

function transfer(
  sender: Account,
  recipients: Account[],
  over: Partial<TransferRecord> = {},
): TransferRecord {
  return {
    id: newId(),
    senderId: sender.id,
    senderEmail: sender.email,
    size: 100,
    partSize: 60,
    partCount: 2,
    status: 'uploading',
    deleting: false,
    revokedAt: null,
    finalizingAt: null,
    createdAt: 10_000,
    finalizedAt: null,
    expiresAt: 1_000_000,
    maxDownloads: null,
    downloads: 0,
    blobHandle: null,
    recipients: recipients.map((r) => ({
      userId: r.id,
      email: r.email,
      hidden: false,
      downloadedAt: null,
      receipt: null,
    })),
    ...over,
  };
}

/** The record-store contracts (AccountStore, TokenStore, KeyDirectory, TransferStore, AuditLog). */
export function recordStoreContract(
  name: string,
  open: () => Promise<{ stores: Records; cleanup: () => Promise<void> }>,
) {
  describe(`record stores contract: ${name}`, () => {
    let s: Records;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ stores: s, cleanup } = await open());
    });
    afterAll(async () => {
      await cleanup();
    });

    it('AccountStore: unique emails, updates, recovery codes spent once', async () => {
      const a = account(`a-${newId().toLowerCase()}@example.com`);
      expect(await s.accounts.create(a)).toBe(true);
      expect(await s.accounts.create({ ...account(a.email) })).toBe(false);
      await s.accounts.update(a.id, {
        verified: true,
        totpSecret: 'sealed',
        totpLastStep: 42,
        verifyCodeAttempts: 3,
      });
      expect(await s.accounts.byEmail(a.email)).toMatchObject({
        id: a.id,
        verified: true,
        totpSecret: 'sealed',
        totpLastStep: 42,
        verifyCodeAttempts: 3,
      });
      expect(await s.accounts.byId('missing-id-000000')).toBeUndefined();
      await s.accounts.setRecoveryCodes(a.id, ['h1', 'h2']);
      expect(await s.accounts.consumeRecoveryCode(a.id, 'h1')).toBe(true);
      expect(await s.accounts.consumeRecoveryCode(a.id, 'h1')).toBe(false);
      await s.accounts.setRecoveryCodes(a.id, []);
      expect(await s.accounts.consumeRecoveryCode(a.id, 'h2')).toBe(false);
    });

    it('AccountStore: a TOTP step is consumed once, atomically, and only moving forward', async () => {
      const a = account(`t-${newId().toLowerCase()}@example.com`);
      await s.accounts.create(a);
      expect(await s.accounts.consumeTotpStep(a.id, 100)).toBe(true);
      expect(await s.accounts.consumeTotpStep(a.id, 100)).toBe(false);
      expect(await s.accounts.consumeTotpStep(a.id, 99)).toBe(false);
      expect(await s.accounts.consumeTotpStep('missing-id-000000', 1)).toBe(false);
      // Concurrent logins with the same code: exactly one wins.
      const same = await Promise.all([1, 2, 3, 4].map(() => s.accounts.consumeTotpStep(a.id, 101)));
      expect(same.filter(Boolean)).toHaveLength(1);
      expect((await s.accounts.byId(a.id))?.totpLastStep).toBe(101);
      expect(await s.accounts.consumeTotpStep(a.id, 103)).toBe(true);
    });

    it('AccountStore: verification-code guesses are claimed atomically up to the limit', async () => {
      const a = account(`v-${newId().toLowerCase()}@example.com`);
      await s.accounts.create({ ...a, verifyCodeHash: 'code-1', verifyCodeExpiresAt: 5000 });
      const claims = await Promise.all(
        Array.from({ length: 7 }, () => s.accounts.claimVerifyCodeAttempt(a.id, 'code-1', 5)),
      );
      expect(claims.filter(Boolean)).toHaveLength(5);
      expect((await s.accounts.byId(a.id))?.verifyCodeAttempts).toBe(5);
      expect(await s.accounts.claimVerifyCodeAttempt(a.id, 'code-1', 5)).toBe(false);
      // A claim is bound to the code it was read with: a newer code does not pay for it.
      await s.accounts.update(a.id, { verifyCodeHash: 'code-2', verifyCodeAttempts: 0 });
      expect(await s.accounts.claimVerifyCodeAttempt(a.id, 'code-1', 5)).toBe(false);
      expect(await s.accounts.claimVerifyCodeAttempt(a.id, 'code-2', 5)).toBe(true);
      expect((await s.accounts.byId(a.id))?.verifyCodeAttempts).toBe(1);
    });

    it('TokenStore: refresh tokens spend once, reuse is reported, families revoke', async () => {
      const family = newId();
      await s.tokens.createFamily(family, 'user-1', 0);
      await s.tokens.insertRefresh({
        hash: `h-${family}`,
        familyId: family,
        userId: 'user-1',
        expiresAt: 100,
      });
      expect(await s.tokens.consumeRefresh(`h-${family}`, 50)).toEqual({
        kind: 'ok',
        userId: 'user-1',
        familyId: family,
      });
      expect(await s.tokens.consumeRefresh(`h-${family}`, 51)).toMatchObject({
        kind: 'reused',
        familyId: family,
      });
      expect(await s.tokens.consumeRefresh('unknown', 51)).toEqual({ kind: 'invalid' });
      await s.tokens.insertRefresh({
        hash: `e-${family}`,
        familyId: family,
        userId: 'user-1',
        expiresAt: 100,
      });
      expect(await s.tokens.consumeRefresh(`e-${family}`, 100)).toEqual({ kind: 'invalid' });
      expect(await s.tokens.isFamilyActive(family)).toBe(true);
      await s.tokens.revokeFamily(family, 60);
      expect(await s.tokens.isFamilyActive(family)).toBe(false);
      const other = newId();
      await s.tokens.createFamily(other, 'user-1', 0);
      await s.tokens.revokeAllFamilies('user-1', 70);
      expect(await s.tokens.isFamilyActive(other)).toBe(false);
    });

    it('TokenStore: attempt windows slide and clear', async () => {
      const key = `k-${newId()}`;
      expect(await s.tokens.tryAttempt(key, 1000, 100, 1)).toBe(true);
      expect(await s.tokens.tryAttempt(key, 1050, 100, 1)).toBe(false);
      // The first hit has left the window.
      expect(await s.tokens.tryAttempt(key, 1101, 100, 1)).toBe(true);
      await s.tokens.clearAttempts(key);
      expect(await s.tokens.tryAttempt(key, 1110, 100, 1)).toBe(true);
    });

    it('TokenStore: attempts are reserved atomically, never beyond the limit', async () => {
      const key = `r-${newId()}`;
      expect(await s.tokens.tryAttempt(key, 1000, 100, 2)).toBe(true);
      expect(await s.tokens.tryAttempt(key, 1010, 100, 2)).toBe(true);
      expect(await s.tokens.tryAttempt(key, 1020, 100, 2)).toBe(false);
      // The window slides: the first hit has left it.
      expect(await s.tokens.tryAttempt(key, 1100, 100, 2)).toBe(true);
      // The refused attempt added nothing: hits at 1010 and 1100 remain, room for a third only.
      expect(await s.tokens.tryAttempt(key, 1100, 100, 3)).toBe(true);
      expect(await s.tokens.tryAttempt(key, 1100, 100, 3)).toBe(false);
      const burst = `b-${newId()}`;
      const granted = await Promise.all(
        Array.from({ length: 8 }, () => s.tokens.tryAttempt(burst, 2000, 100, 3)),
      );
      const n = granted.filter(Boolean).length;
      expect(n).toBeLessThanOrEqual(3);
      // Exactly the granted hits were kept: room for one more beyond them, not two.
      expect(await s.tokens.tryAttempt(burst, 2000, 100, n + 1)).toBe(true);
      expect(await s.tokens.tryAttempt(burst, 2000, 100, n + 1)).toBe(false);
    });

    it('KeyDirectory: history oldest first, lookup of who has keys', async () => {
      const email = `k-${newId().toLowerCase()}@example.com`;
      const pub = (n: number) => ({
        publication: {
          v: 1 as const,
          email,
          publicIdentity: `id${n}`,
          createdAt: n,
          signature: `s${n}`,
        },
        fingerprint: `fp${n}`,
        publishedAt: n,
      });
      await s.keys.publish('u', pub(1));
      await s.keys.publish('u', pub(2));
      expect((await s.keys.history(email)).map((k) => k.fingerprint)).toEqual(['fp1', 'fp2']);
      expect(await s.keys.history('nobody@example.com')).toEqual([]);
      expect(await s.keys.withKeys([email, 'nobody@example.com'])).toEqual(new Set([email]));
    });

    it('TransferStore: finalize once, inbox only after finalize, download limit, receipts, hide', async () => {
      const sender = account(`s-${newId().toLowerCase()}@example.com`);
      const r1 = account(`r-${newId().toLowerCase()}@example.com`);
      const r2 = account(`q-${newId().toLowerCase()}@example.com`);
      const t = transfer(sender, [r1, r2], { maxDownloads: 1 });
      await s.transfers.create(t);
      await s.transfers.putPart(t.id, { n: 2, size: 40, sha256: 'b', etag: 'e2' });
      await s.transfers.putPart(t.id, { n: 1, size: 60, sha256: 'x', etag: 'e0' });
      await s.transfers.putPart(t.id, { n: 1, size: 60, sha256: 'a', etag: 'e1' });
      expect(await s.transfers.parts(t.id)).toEqual([
        { n: 1, size: 60, sha256: 'a', etag: 'e1' },
        { n: 2, size: 40, sha256: 'b', etag: 'e2' },
      ]);
      const page = { limit: 10, offset: 0 };
      expect((await s.transfers.listInbox(r1.id, page, 20_000)).total).toBe(0);
      expect((await s.transfers.listSent(sender.id, page, 20_000)).total).toBe(1);
      // finalize needs beginFinalize, which closes the upload to part writes.
      expect(await s.transfers.finalize(t.id, 20_000)).toBe(false);
      expect(await s.transfers.beginFinalize(t.id, 19_999)).toBe(true);
      expect(await s.transfers.beginFinalize(t.id, 19_999)).toBe(false);
      expect(await s.transfers.putPart(t.id, { n: 1, size: 60, sha256: 'z', etag: 'late' })).toBe(
        false,
      );
      expect((await s.transfers.parts(t.id)).map((p) => p.etag)).toEqual(['e1', 'e2']);
      expect(await s.transfers.get(t.id)).toMatchObject({
        status: 'uploading',
        finalizingAt: 19_999,
      });
      expect(await s.transfers.finalize(t.id, 20_000)).toBe(true);
      expect(await s.transfers.finalize(t.id, 20_001)).toBe(false);
      expect(await s.transfers.beginFinalize(t.id, 20_002)).toBe(false);
      expect((await s.transfers.listInbox(r1.id, page, 20_000)).items[0]?.id).toBe(t.id);
      expect(await s.transfers.recordDownload(t.id, r1.id, 21_000)).toBe(true);
      expect(await s.transfers.recordDownload(t.id, r2.id, 21_000)).toBe(false);
      expect(await s.transfers.setReceipt(t.id, r1.id, 'sig', 22_000)).toBe(true);
      expect(await s.transfers.hide(t.id, r2.id)).toBe(true);
      const got = await s.transfers.get(t.id);
      expect(got).toMatchObject({ status: 'ready', downloads: 1, finalizedAt: 20_000 });
      expect(got?.recipients.find((r) => r.userId === r1.id)).toMatchObject({
        downloadedAt: 21_000,
        receipt: { signature: 'sig', createdAt: 22_000 },
      });
      expect((await s.transfers.listInbox(r2.id, page, 20_000)).total).toBe(0);
      expect(
        (await s.transfers.listInbox(r1.id, { ...page, status: 'expired' }, 20_000)).total,
      ).toBe(0);
      expect(
        (await s.transfers.listInbox(r1.id, { ...page, status: 'expired' }, 2_000_000)).total,
      ).toBe(1);
    });

    it('TransferStore: parts are recorded only while the transfer is live', async () => {
      const sender = account(`p-${newId().toLowerCase()}@example.com`);
      const t = transfer(sender, []);
      await s.transfers.create(t);
      const part = { n: 1, size: 60, sha256: 'a', etag: 'e1' };
      expect(await s.transfers.putPart(t.id, part)).toBe(true);
      expect(await s.transfers.putPart(t.id, { ...part, etag: 'e1b' })).toBe(true);
      await s.transfers.markDeleting(t.id);
      expect(await s.transfers.putPart(t.id, { n: 2, size: 40, sha256: 'b', etag: 'e2' })).toBe(
        false,
      );
      expect((await s.transfers.parts(t.id)).map((p) => p.n)).not.toContain(2);
      await s.transfers.remove(t.id);
      expect(await s.transfers.putPart(t.id, { n: 2, size: 40, sha256: 'b', etag: 'e2' })).toBe(
        false,
      );
      expect(await s.transfers.parts(t.id)).toEqual([]);
      expect(await s.transfers.putPart('missing-transfer-id', part)).toBe(false);
      expect(await s.transfers.parts('missing-transfer-id')).toEqual([]);
    });

    it('TransferStore: sweepable, deleting hides, usedBytes, remove cascades', async () => {
      const sender = account(`u-${newId().toLowerCase()}@example.com`);
      const expired = transfer(sender, [], { expiresAt: 500 });
      const abandoned = transfer(sender, [], { createdAt: 100 });
      const live = transfer(sender, [], { createdAt: 5_000, size: 7 });
      for (const t of [expired, abandoned, live]) await s.transfers.create(t);
      expect(await s.transfers.usedBytes(sender.id)).toBe(207);
      const due = (await s.transfers.sweepable(1000, 200, 100)).map((t) => t.id);
      expect(due).toEqual(expect.arrayContaining([expired.id, abandoned.id]));
      expect(due).not.toContain(live.id);
      await s.transfers.markDeleting(live.id);
      expect(await s.transfers.usedBytes(sender.id)).toBe(200);
      expect((await s.transfers.listSent(sender.id, { limit: 10, offset: 0 }, 1000)).total).toBe(2);
      expect((await s.transfers.sweepable(1000, 0, 100)).map((t) => t.id)).toContain(live.id);
      for (const t of [expired, abandoned, live]) await s.transfers.remove(t.id);
      expect(await s.transfers.get(live.id)).toBeUndefined();
      expect(await s.transfers.parts(live.id)).toEqual([]);
    });

    it('TransferStore: create within a quota is atomic', async () => {
      const sender = account(`c-${newId().toLowerCase()}@example.com`);
      expect(await s.transfers.create(transfer(sender, [], { size: 600 }), 1000)).toBe(true);
      expect(await s.transfers.create(transfer(sender, [], { size: 401 }), 1000)).toBe(false);
      expect(await s.transfers.usedBytes(sender.id)).toBe(600);
      const burst = await Promise.all(
        Array.from({ length: 6 }, () =>
          s.transfers.create(transfer(sender, [], { size: 100 }), 1000),
        ),
      );
      const granted = burst.filter(Boolean).length;
      expect(granted).toBeLessThanOrEqual(4);
      expect(await s.transfers.usedBytes(sender.id)).toBe(600 + granted * 100);
      expect((await s.transfers.listSent(sender.id, { limit: 50, offset: 0 }, 0)).total).toBe(
        1 + granted,
      );
    });

    it('TransferStore: revoke keeps a tombstone that nothing counts, lists or serves', async () => {
      const sender = account(`v-${newId().toLowerCase()}@example.com`);
      const r = account(`w-${newId().toLowerCase()}@example.com`);
      const t = transfer(sender, [r], { size: 50 });
      await s.transfers.create(t);
      await s.transfers.putPart(t.id, { n: 1, size: 50, sha256: 'a', etag: 'e1' });
      await s.transfers.beginFinalize(t.id, 11_000);
      await s.transfers.finalize(t.id, 11_000);
      expect(await s.transfers.usedBytes(sender.id)).toBe(50);
      expect(await s.transfers.revoke(t.id, 12_000)).toBe(true);
      expect(await s.transfers.revoke(t.id, 12_001)).toBe(false);
      expect(await s.transfers.get(t.id)).toMatchObject({ revokedAt: 12_000, deleting: true });
      expect(await s.transfers.usedBytes(sender.id)).toBe(0);
      expect(await s.transfers.recordDownload(t.id, r.id, 12_500)).toBe(false);
      const page = { limit: 10, offset: 0 };
      expect((await s.transfers.listInbox(r.id, page, 12_500)).total).toBe(0);
      expect((await s.transfers.listSent(sender.id, page, 12_500)).total).toBe(0);
      // Blob delete pending: the sweeper finds it.
      expect((await s.transfers.sweepable(12_500, 0, 100)).map((x) => x.id)).toContain(t.id);
      await s.transfers.keepTombstone(t.id);
      expect(await s.transfers.get(t.id)).toMatchObject({ revokedAt: 12_000, deleting: false });
      expect(await s.transfers.parts(t.id)).toEqual([]);
      expect((await s.transfers.sweepable(12_500, 0, 100)).map((x) => x.id)).not.toContain(t.id);
      // A cancelled upload's tombstone is not an abandoned upload: the sweeper leaves it be.
      const cancelled = transfer(sender, [r], { createdAt: 10_000 });
      await s.transfers.create(cancelled);
      await s.transfers.revoke(cancelled.id, 12_000);
      await s.transfers.keepTombstone(cancelled.id);
      expect((await s.transfers.sweepable(12_500, 20_000, 100)).map((x) => x.id)).not.toContain(
        cancelled.id,
      );
      await s.transfers.remove(cancelled.id);
      // Once it would have expired, the tombstone goes too.
      expect((await s.transfers.sweepable(t.expiresAt, 0, 100)).map((x) => x.id)).toContain(t.id);
      await s.transfers.remove(t.id);
    });

    it('TransferStore: ping resolves while the store is reachable (/readyz)', async () => {
      await expect(s.transfers.ping()).resolves.toBeUndefined();
    });

    it('AuditLog: per user, newest first, paged', async () => {
      const user = newId();
      for (let i = 0; i < 3; i++) {
        await s.audit.append({
          userId: user,
          type: 'login',
          at: i,
          ip: '127.0.0.1',
          transferId: null,
        });
      }
      await s.audit.append({
        userId: 'someone-else',
        type: 'login',
        at: 9,
        ip: null,
        transferId: null,
      });
      expect((await s.audit.list(user, 2, 0)).map((e) => e.at)).toEqual([2, 1]);
      expect((await s.audit.list(user, 2, 2)).map((e) => e.at)).toEqual([0]);
    });

    it('AccountStore: the new-transfer mail preference defaults to on and can be turned off', async () => {
      const a = account(`p-${newId().toLowerCase()}@example.com`);
      await s.accounts.create(a);
      expect((await s.accounts.byId(a.id))?.emailOnNewTransfer).toBe(true);
      await s.accounts.update(a.id, { emailOnNewTransfer: false });
      expect((await s.accounts.byId(a.id))?.emailOnNewTransfer).toBe(false);
      await s.accounts.update(a.id, { emailOnNewTransfer: true });
      expect((await s.accounts.byEmail(a.email))?.emailOnNewTransfer).toBe(true);
    });

    it('EventLog: per-user cursors increase, after() pages in order, users are isolated', async () => {
      const [u, v] = [newId(), newId()];
      const first = await s.events.append(
        [u, v],
        'transfer:new',
        { transferId: 't1', size: 5 },
        100,
      );
      expect(first).toHaveLength(2);
      const second = await s.events.append([u], 'transfer:revoked', { transferId: 't1' }, 200);
      const third = await s.events.append([u], 'key:changed', { userId: v, fingerprint: 'f' }, 300);
      const all = await s.events.after(u, null, 10);
      expect(all.map((e) => [e.event, e.payload, e.at])).toEqual([
        ['transfer:new', { transferId: 't1', size: 5 }, 100],
        ['transfer:revoked', { transferId: 't1' }, 200],
        ['key:changed', { userId: v, fingerprint: 'f' }, 300],
      ]);
      expect(all.map((e) => e.cursor)).toEqual([first[0], second[0], third[0]]);
      const nums = all.map((e) => BigInt(e.cursor));
      expect(nums).toEqual([...nums].sort((x, y) => (x < y ? -1 : 1)));
      expect(new Set(nums).size).toBe(3);
      expect((await s.events.after(u, first[0] ?? null, 1)).map((e) => e.cursor)).toEqual(second);
      expect(await s.events.after(u, third[0] ?? null, 10)).toEqual([]);
      const forV = await s.events.after(v, null, 10);
      expect(forV.map((e) => [e.event, e.cursor])).toEqual([['transfer:new', first[1]]]);
    });

    it('EventLog: concurrent appends for one user are all readable, none behind a cursor', async () => {
      const u = newId();
      const appended = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          s.events.append([u], 'transfer:new', { transferId: `t${i}`, size: i }, 1000 + i),
        ),
      );
      const read = await s.events.after(u, null, 100);
      expect(read).toHaveLength(20);
      expect(new Set(read.map((e) => e.cursor))).toEqual(new Set(appended.flat()));
    });

    it('EventLog: prune drops events logged before a time', async () => {
      const u = newId();
      await s.events.append([u], 'transfer:expired', { transferId: 'old' }, 10);
      await s.events.append([u], 'transfer:expired', { transferId: 'new' }, 10_000_000);
      expect(await s.events.prune(1000)).toBeGreaterThanOrEqual(1);
      expect((await s.events.after(u, null, 10)).map((e) => e.payload)).toEqual([
        { transferId: 'new' },
      ]);
    });

    it('KeyWatchers: idempotent pairs, never yourself', async () => {
      const [subject, w1, w2] = [newId(), newId(), newId()];
      await s.watchers.watch([{ watcherId: w1, subjectId: subject }], 1);
      await s.watchers.watch(
        [
          { watcherId: w1, subjectId: subject },
          { watcherId: w2, subjectId: subject },
          { watcherId: subject, subjectId: subject },
          { watcherId: subject, subjectId: w1 },
        ],
        2,
      );
      await s.watchers.watch([], 3);
      expect((await s.watchers.watchersOf(subject)).sort()).toEqual([w1, w2].sort());
      expect(await s.watchers.watchersOf(w1)).toEqual([subject]);
      expect(await s.watchers.watchersOf(newId())).toEqual([]);
    });

    it('LeaseStore: one holder at a time, renewable, lapses after its ttl, safe release', async () => {
      const name = `lease-${newId()}`;
      expect(await s.leases.acquire(name, 'a', 1000, 10_000)).toBe(true);
      expect(await s.leases.acquire(name, 'b', 1000, 10_500)).toBe(false);
      expect(await s.leases.acquire(name, 'a', 1000, 10_900)).toBe(true); // renewed to 11_900
      expect(await s.leases.acquire(name, 'b', 1000, 11_500)).toBe(false);
      // 'a' crashed: its lease lapses and 'b' takes over.
      expect(await s.leases.acquire(name, 'b', 1000, 12_000)).toBe(true);
      await s.leases.release(name, 'a'); // not a's any more: must not free b's lease
      expect(await s.leases.acquire(name, 'a', 1000, 12_100)).toBe(false);
      await s.leases.release(name, 'b');
      expect(await s.leases.acquire(name, 'a', 1000, 12_200)).toBe(true);
    });

    it('LeaseStore: of concurrent acquirers of a free lease exactly one wins', async () => {
      const name = `race-${newId()}`;
      const wins = await Promise.all(
        Array.from({ length: 10 }, (_, i) => s.leases.acquire(name, `h${i}`, 5000, 50_000)),
      );
      expect(wins.filter(Boolean)).toHaveLength(1);
    });
  });
}
