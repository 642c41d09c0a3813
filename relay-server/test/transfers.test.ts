import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AuditEntry,
  PartsResponse,
  RelayEventName,
  TransferList,
  TransferView,
} from '../src/contract/index.js';
import { generateIdentity, signKeyPublication } from '@datacrypt/shared-crypto';
import { sweep } from '../src/services/sweeper.js';
import { call, makeUser, startRelay, type TestRelay, type TestUser } from './helpers/relay.js';
import { putPart, sendTransfer, sha256 } from './helpers/upload.js';

let relay: TestRelay;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;

beforeAll(async () => {
  relay = await startRelay({ DATACRYPT_QUOTA_BYTES: '200000' });
  alice = await makeUser(relay, 'alice@example.com');
  bob = await makeUser(relay, 'bob@example.com');
  carol = await makeUser(relay, 'carol@example.com');
});
afterAll(async () => {
  await relay.close();
});

async function download(user: TestUser, id: string, range?: string) {
  const res = await fetch(`${relay.url}/api/transfers/file/${id}`, {
    headers: { authorization: `Bearer ${user.access}`, ...(range ? { range } : {}) },
  });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('transfer lifecycle', () => {
  it('create → parts → finalize → inbox → download → receipt, with events', async () => {
    const events: { event: RelayEventName; to: string }[] = [];
    const offs = [alice, bob].map((u) => {
      const id = relay.app.container.accounts.byEmail(u.email);
      return id.then((a) =>
        relay.app.container.realtime.subscribe(a?.id ?? '', (event) => {
          events.push({ event, to: u.email });
        }),
      );
    });
    const unsubscribe = await Promise.all(offs);

    const data = Buffer.alloc(5000, 7);
    const created = await call<TransferView>(relay, 'POST', '/api/transfers/upload', {
      token: alice.access,
      body: { recipients: ['Bob@Example.com'], size: 5000, partSize: 2048, maxDownloads: 3 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      partCount: 3,
      status: 'uploading',
      recipients: ['bob@example.com'],
    });
    const id = created.body.id;

    // The inbox lists finalized transfers only. This relay serves uploads live (disk blobs), so
    // the recipient was told at once and may already look at it; strangers still get 404.
    const early = await call<TransferList>(relay, 'GET', '/api/transfers/inbox', {
      token: bob.access,
    });
    expect(early.body.items.map((t) => t.id)).not.toContain(id);
    expect(events).toContainEqual({ event: 'transfer:incoming', to: 'bob@example.com' });
    expect(events).not.toContainEqual({ event: 'transfer:incoming', to: 'carol@example.com' });
    const seen = await call<TransferView>(relay, 'GET', `/api/transfers/${id}`, {
      token: bob.access,
    });
    expect(seen.body).toMatchObject({ status: 'uploading', recipients: ['bob@example.com'] });
    expect((await call(relay, 'GET', `/api/transfers/${id}`, { token: carol.access })).status).toBe(
      404,
    );

    expect((await putPart(relay, alice.access, id, 2, data.subarray(2048, 4096))).status).toBe(200);
    const notYet = await call(relay, 'POST', `/api/transfers/upload/${id}/finalize`, {
      token: alice.access,
    });
    expect(notYet.status).toBe(409);
    expect(notYet.body).toMatchObject({ error: { code: 'E_PARTS_MISSING' } });
    const parts = await call<PartsResponse>(relay, 'GET', `/api/transfers/upload/${id}/parts`, {
      token: alice.access,
    });
    expect(parts.body.parts.map((p) => p.n)).toEqual([2]);

    expect((await putPart(relay, alice.access, id, 1, data.subarray(0, 2048))).status).toBe(200);
    // Idempotent: the same part again is fine.
    expect((await putPart(relay, alice.access, id, 1, data.subarray(0, 2048))).status).toBe(200);
    expect((await putPart(relay, alice.access, id, 3, data.subarray(4096))).status).toBe(200);
    const fin = await call<TransferView>(relay, 'POST', `/api/transfers/upload/${id}/finalize`, {
      token: alice.access,
    });
    expect(fin.status).toBe(200);
    expect(fin.body.status).toBe('ready');
    expect(events).toContainEqual({ event: 'transfer:new', to: 'bob@example.com' });

    const inbox = await call<TransferList>(relay, 'GET', '/api/transfers/inbox', {
      token: bob.access,
    });
    expect(inbox.body.items.find((t) => t.id === id)).toMatchObject({
      sender: 'alice@example.com',
      size: 5000,
      status: 'ready',
    });

    const full = await download(bob, id);
    expect(full.status).toBe(200);
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect(full.bytes.equals(data)).toBe(true);
    expect(events).toContainEqual({ event: 'transfer:downloaded', to: 'alice@example.com' });

    const receipt = await call(relay, 'POST', `/api/transfers/${id}/receipt`, {
      token: bob.access,
      body: { signature: 'c2lnbmVkLWJ5LWJvYg' },
    });
    expect(receipt.status).toBe(204);
    const sent = await call<TransferList>(relay, 'GET', '/api/transfers/sent', {
      token: alice.access,
    });
    const mine = sent.body.items.find((t) => t.id === id);
    expect(mine?.receipts).toEqual([
      expect.objectContaining({ recipient: 'bob@example.com', signature: 'c2lnbmVkLWJ5LWJvYg' }),
    ]);
    expect(mine?.downloads).toBe(1);

    const auditA = await call<{ items: AuditEntry[] }>(relay, 'GET', '/api/audit', {
      token: alice.access,
    });
    expect(auditA.body.items.map((e) => e.type)).toEqual(
      expect.arrayContaining(['transfer_created', 'transfer_downloaded', 'login', 'key_published']),
    );
    for (const off of unsubscribe) off();
  });

  it('serves single HTTP ranges with 206 and answers 416 past the end', async () => {
    const { view, data } = await sendTransfer(relay, alice, ['bob@example.com'], { size: 5000 });
    expect((await download(bob, view.id)).status).toBe(200);

    const mid = await download(bob, view.id, 'bytes=2000-4500');
    expect(mid.status).toBe(206);
    expect(mid.headers.get('content-range')).toBe('bytes 2000-4500/5000');
    expect(mid.bytes.equals(data.subarray(2000, 4501))).toBe(true);

    const tail = await download(bob, view.id, 'bytes=-100');
    expect(tail.status).toBe(206);
    expect(tail.bytes.equals(data.subarray(4900))).toBe(true);

    const open = await download(bob, view.id, 'bytes=4096-');
    expect(open.bytes.equals(data.subarray(4096))).toBe(true);

    const past = await download(bob, view.id, 'bytes=5000-');
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe('bytes */5000');

    const multi = await download(bob, view.id, 'bytes=0-1,5-6');
    expect(multi.status).toBe(200);
    expect(multi.bytes.length).toBe(5000);
  });

  it('enforces the download limit on every read', async () => {
    const { view } = await sendTransfer(relay, alice, ['bob@example.com', 'carol@example.com'], {
      maxDownloads: 1,
    });
    expect((await download(bob, view.id)).status).toBe(200);
    const second = await download(carol, view.id);
    expect(second.status).toBe(410);
    expect(JSON.parse(second.bytes.toString())).toMatchObject({
      error: { code: 'E_DOWNLOAD_LIMIT' },
    });
    // Bob may resume inside the download he started.
    expect((await download(bob, view.id, 'bytes=100-199')).status).toBe(206);
    // Carol never started, so she cannot sneak in through a range.
    expect((await download(carol, view.id, 'bytes=100-199')).status).toBe(410);
  });

  it('enforces expiry on every read and the sweeper removes record and blob', async () => {
    const { view } = await sendTransfer(relay, alice, ['bob@example.com'], {
      expiresInSeconds: 3600,
    });
    relay.clock.offsetMs = 3601 * 1000;
    try {
      expect((await download(bob, view.id)).status).toBe(410);
      const inbox = await call<TransferList>(relay, 'GET', '/api/transfers/inbox?status=expired', {
        token: bob.access,
      });
      expect(inbox.body.items.map((t) => t.id)).toContain(view.id);
      const removed = await sweep(relay.app.container, relay.app.log);
      expect(removed).toBeGreaterThanOrEqual(1);
      expect(await relay.app.container.transfers.get(view.id)).toBeUndefined();
      await expect(
        relay.app.container.blobs.read(view.id, view, 0, 10).then(
          (s) =>
            new Promise((resolve, reject) => {
              s.on('data', resolve);
              s.on('error', reject);
            }),
        ),
      ).rejects.toThrow();
    } finally {
      relay.clock.offsetMs = 0;
    }
  });

  it('lets the sender revoke and the recipient hide', async () => {
    const a = await sendTransfer(relay, alice, ['bob@example.com']);
    const b = await sendTransfer(relay, alice, ['bob@example.com']);
    expect(
      (await call(relay, 'POST', `/api/transfers/${a.view.id}/hide`, { token: bob.access })).status,
    ).toBe(204);
    expect(
      (await call(relay, 'DELETE', `/api/transfers/${b.view.id}`, { token: alice.access })).status,
    ).toBe(204);
    const inbox = await call<TransferList>(relay, 'GET', '/api/transfers/inbox', {
      token: bob.access,
    });
    const ids = inbox.body.items.map((t) => t.id);
    expect(ids).not.toContain(a.view.id);
    expect(ids).not.toContain(b.view.id);
    const revoked = await download(bob, b.view.id);
    expect(revoked.status).toBe(410);
    expect(JSON.parse(revoked.bytes.toString())).toMatchObject({ error: { code: 'E_REVOKED' } });
    // Hidden is only hidden: the sender still sees it and bob could still fetch it by id.
    expect((await download(bob, a.view.id)).status).toBe(200);
  });

  it('keeps a per-user audit log of logins, key changes and transfer created/downloaded/revoked', async () => {
    const erin = await makeUser(relay, 'erin@example.com');
    const frank = await makeUser(relay, 'frank@example.com');
    const rotated = signKeyPublication(generateIdentity(), erin.email, Date.now() + 1000);
    expect(
      (await call(relay, 'PUT', '/api/users/public-key', { token: erin.access, body: rotated }))
        .status,
    ).toBe(200);
    const { view } = await sendTransfer(relay, erin, [frank.email]);
    expect((await download(frank, view.id)).status).toBe(200);
    expect(
      (await call(relay, 'DELETE', `/api/transfers/${view.id}`, { token: erin.access })).status,
    ).toBe(204);
    const log = async (u: TestUser) =>
      (await call<{ items: AuditEntry[] }>(relay, 'GET', '/api/audit', { token: u.access })).body
        .items;
    // Newest first.
    expect((await log(erin)).map((e) => [e.type, e.transferId])).toEqual([
      ['transfer_revoked', view.id],
      ['transfer_downloaded', view.id],
      ['transfer_created', view.id],
      ['key_published', null],
      ['key_published', null],
      ['login', null],
    ]);
    const erinLog = await log(erin);
    expect(erinLog.find((e) => e.type === 'transfer_created')?.ip).toBe('127.0.0.1');
    // The sender is told of the download, not the recipient's address.
    expect(erinLog.find((e) => e.type === 'transfer_downloaded')?.ip).toBeNull();
    expect((await log(frank)).map((e) => [e.type, e.transferId])).toEqual([
      ['transfer_downloaded', view.id],
      ['key_published', null],
      ['login', null],
    ]);
    // Nobody else's log mentions it.
    expect((await log(carol)).some((e) => e.transferId === view.id)).toBe(false);
  });

  it('pages, filters and searches inbox and sent', async () => {
    const dave = await makeUser(relay, 'dave@example.com');
    for (const size of [1000, 2000, 3000]) {
      await sendTransfer(relay, dave, ['carol@example.com'], { size });
    }
    const page1 = await call<TransferList>(relay, 'GET', '/api/transfers/inbox?limit=2&q=dave', {
      token: carol.access,
    });
    expect(page1.body.total).toBe(3);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.nextOffset).toBe(2);
    const page2 = await call<TransferList>(
      relay,
      'GET',
      '/api/transfers/inbox?limit=2&offset=2&q=dave',
      {
        token: carol.access,
      },
    );
    expect(page2.body.items).toHaveLength(1);
    expect(page2.body.nextOffset).toBeNull();
    const big = await call<TransferList>(
      relay,
      'GET',
      '/api/transfers/sent?minSize=1500&maxSize=2500',
      {
        token: dave.access,
      },
    );
    expect(big.body.items.map((t) => t.size)).toEqual([2000]);
    const wildcard = await call<TransferList>(relay, 'GET', '/api/transfers/inbox?q=%25', {
      token: carol.access,
    });
    expect(wildcard.body.total).toBe(0);
  });

  it('refuses recipients without a published key and transfers over quota or limits', async () => {
    await makeUser(relay, 'nokey@example.com', { publishKey: false });
    const noKey = await call(relay, 'POST', '/api/transfers/upload', {
      token: alice.access,
      body: { recipients: ['nokey@example.com'], size: 10 },
    });
    const noAccount = await call(relay, 'POST', '/api/transfers/upload', {
      token: alice.access,
      body: { recipients: ['noaccount@example.com'], size: 10 },
    });
    expect(noKey.status).toBe(422);
    expect(noAccount.status).toBe(422);
    expect((noKey.body as { error: { code: string } }).error.code).toBe('E_RECIPIENT_NO_KEY');

    const over = await call(relay, 'POST', '/api/transfers/upload', {
      token: carol.access,
      body: { recipients: ['bob@example.com'], size: 200001, partSize: 65536 },
    });
    expect(over.status).toBe(413);
    expect(over.body).toMatchObject({ error: { code: 'E_QUOTA_EXCEEDED' } });
    const longExpiry = await call(relay, 'POST', '/api/transfers/upload', {
      token: carol.access,
      body: { recipients: ['bob@example.com'], size: 10, expiresInSeconds: 365 * 86400 },
    });
    expect(longExpiry.body).toMatchObject({ error: { code: 'E_EXPIRY_TOO_LONG' } });
  });

  it('verifies part checksums and sizes and rejects out-of-range part numbers', async () => {
    const created = await call<TransferView>(relay, 'POST', '/api/transfers/upload', {
      token: carol.access,
      body: { recipients: ['bob@example.com'], size: 3000, partSize: 2048 },
    });
    const id = created.body.id;
    const part = Buffer.alloc(2048, 1);
    const badSum = await putPart(relay, carol.access, id, 1, part, sha256(Buffer.alloc(2048, 2)));
    expect(badSum.status).toBe(400);
    expect(badSum.body).toMatchObject({ error: { code: 'E_PART_CHECKSUM' } });
    const short = await putPart(relay, carol.access, id, 1, part.subarray(0, 100));
    expect(short.body).toMatchObject({ error: { code: 'E_PART_SIZE' } });
    const beyond = await putPart(relay, carol.access, id, 3, part);
    expect(beyond.body).toMatchObject({ error: { code: 'E_PART_NUMBER' } });
    const parts = await call<PartsResponse>(relay, 'GET', `/api/transfers/upload/${id}/parts`, {
      token: carol.access,
    });
    expect(parts.body.parts).toEqual([]);
  });
});
