import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartsResponse, TransferView } from '../src/contract/index.js';
import { ABANDONED_UPLOAD_MS, sweep } from '../src/services/sweeper.js';
import { barrier } from './helpers/gates.js';
import { call, makeUser, startRelay, type TestRelay, type TestUser } from './helpers/relay.js';
import { putPart, sendTransfer } from './helpers/upload.js';

// Quota rule under test: a user's usage is the declared ciphertext size of their transfers that
// are neither revoked nor being deleted. It is reserved at create (parallel uploads cannot
// overshoot), equals the stored bytes once finalized, and is released by revoke/cancel at once
// and by expiry or abandonment when the sweeper deletes the ciphertext.
const QUOTA = 20_000;
let relay: TestRelay;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;

beforeAll(async () => {
  relay = await startRelay({
    DATACRYPT_QUOTA_BYTES: String(QUOTA),
    DATACRYPT_ADMIN_EMAILS: 'admin@example.com',
  });
  alice = await makeUser(relay, 'alice@example.com');
  bob = await makeUser(relay, 'bob@example.com');
  admin = await makeUser(relay, 'admin@example.com', { publishKey: false });
});
afterAll(async () => {
  await relay.close();
});

async function usage(): Promise<{ me: number; admin: number }> {
  const me = await call<{ usedBytes: number; quotaBytes: number }>(relay, 'GET', '/api/auth/me', {
    token: alice.access,
  });
  expect(me.body.quotaBytes).toBe(QUOTA);
  const users = await call<{ items: { email: string; usedBytes: number }[] }>(
    relay,
    'GET',
    '/api/admin/users',
    { token: admin.access },
  );
  expect(users.status).toBe(200);
  const row = users.body.items.find((u) => u.email === alice.email);
  return { me: me.body.usedBytes, admin: row?.usedBytes ?? -1 };
}

async function create(size: number) {
  return call<TransferView>(relay, 'POST', '/api/transfers/upload', {
    token: alice.access,
    body: { recipients: [bob.email], size, partSize: 4096 },
  });
}

describe('storage quota', () => {
  it('reports the stored ciphertext bytes of finalized transfers to the user and the admin', async () => {
    const a = await sendTransfer(relay, alice, [bob.email], { size: 5000, partSize: 2048 });
    const b = await sendTransfer(relay, alice, [bob.email], { size: 3001, partSize: 1024 });
    let stored = 0;
    for (const { view } of [a, b]) {
      const parts = await call<PartsResponse>(
        relay,
        'GET',
        `/api/transfers/upload/${view.id}/parts`,
        { token: alice.access },
      );
      stored += parts.body.parts.reduce((sum, p) => sum + p.size, 0);
      const res = await fetch(`${relay.url}/api/transfers/file/${view.id}`, {
        headers: { authorization: `Bearer ${alice.access}` },
      });
      expect((await res.arrayBuffer()).byteLength).toBe(view.size);
    }
    expect(stored).toBe(8001);
    expect(await usage()).toEqual({ me: 8001, admin: 8001 });
    // Revoking releases at once.
    for (const { view } of [a, b]) {
      expect(
        (await call(relay, 'DELETE', `/api/transfers/${view.id}`, { token: alice.access })).status,
      ).toBe(204);
    }
    expect(await usage()).toEqual({ me: 0, admin: 0 });
  });

  it('reserves the declared size at create and refuses what would exceed the quota', async () => {
    const first = await create(12_000);
    expect(first.status).toBe(201);
    expect((await usage()).me).toBe(12_000);
    const over = await create(8_001);
    expect(over.status).toBe(413);
    expect(over.body).toMatchObject({ error: { code: 'E_QUOTA_EXCEEDED' } });
    // Cancelling the unfinished upload releases its reservation.
    expect(
      (await call(relay, 'DELETE', `/api/transfers/${first.body.id}`, { token: alice.access }))
        .status,
    ).toBe(204);
    expect((await usage()).me).toBe(0);
    const fits = await create(QUOTA);
    expect(fits.status).toBe(201);
    await call(relay, 'DELETE', `/api/transfers/${fits.body.id}`, { token: alice.access });
  });

  it('lets no burst of simultaneous creates overshoot the quota', async () => {
    // All five requests have passed the early quota check and begun their blob before any of them
    // records its transfer: only an atomic check-and-insert keeps them within the quota.
    const restore = barrier(relay.app.container.blobs, 'begin', 5);
    let results;
    try {
      results = await Promise.all(Array.from({ length: 5 }, () => create(8000)));
    } finally {
      restore();
    }
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 413, 413, 413]);
    for (const r of results.filter((x) => x.status === 413)) {
      expect(r.body).toMatchObject({ error: { code: 'E_QUOTA_EXCEEDED' } });
    }
    expect((await usage()).me).toBe(16_000);
    for (const r of results.filter((x) => x.status === 201)) {
      await call(relay, 'DELETE', `/api/transfers/${r.body.id}`, { token: alice.access });
    }
    expect((await usage()).me).toBe(0);
  });

  it('releases an expired transfer and an abandoned upload when the sweeper deletes them', async () => {
    const { view } = await sendTransfer(relay, alice, [bob.email], {
      size: 6000,
      partSize: 2048,
      expiresInSeconds: 3600,
    });
    const abandoned = await create(7000);
    expect(
      (await putPart(relay, alice.access, abandoned.body.id, 1, Buffer.alloc(4096, 1))).status,
    ).toBe(200);
    expect((await usage()).me).toBe(13_000);
    relay.clock.offsetMs = 3601 * 1000;
    try {
      await sweep(relay.app.container, relay.app.log);
      expect(await relay.app.container.transfers.get(view.id)).toBeUndefined();
      expect((await usage()).me).toBe(7000);
      relay.clock.offsetMs = ABANDONED_UPLOAD_MS + 1000;
      await sweep(relay.app.container, relay.app.log);
      expect(await relay.app.container.transfers.get(abandoned.body.id)).toBeUndefined();
      expect(await usage()).toEqual({ me: 0, admin: 0 });
    } finally {
      relay.clock.offsetMs = 0;
    }
  });
});
