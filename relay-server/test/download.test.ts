import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransferView } from '../src/contract/index.js';
import { call, makeUser, startRelay, type TestRelay, type TestUser } from './helpers/relay.js';
import { sendTransfer } from './helpers/upload.js';

// Rules under test (relay-server/README.md, "Downloads and limits"): the token is the transfer's
// 128-bit random id and is honoured only with the bearer token of its sender or a recipient; a
// download counts when a recipient's read starts at byte 0, a ranged read further in is a resume
// of a started download and never counts; expiry, revocation and the limit are checked on every
// read, ranged or not.
let relay: TestRelay;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let mallory: TestUser;

beforeAll(async () => {
  relay = await startRelay();
  alice = await makeUser(relay, 'alice@example.com');
  bob = await makeUser(relay, 'bob@example.com');
  carol = await makeUser(relay, 'carol@example.com');
  mallory = await makeUser(relay, 'mallory@example.com');
});
afterAll(async () => {
  await relay.close();
});

async function read(user: TestUser | undefined, token: string, range?: string) {
  const headers: Record<string, string> = {};
  if (user !== undefined) headers.authorization = `Bearer ${user.access}`;
  if (range !== undefined) headers.range = range;
  const res = await fetch(`${relay.url}/api/transfers/file/${token}`, { headers });
  const bytes = Buffer.from(await res.arrayBuffer());
  const code = (res.headers.get('content-type') ?? '').includes('json')
    ? (JSON.parse(bytes.toString()) as { error: { code: string } }).error.code
    : null;
  return { status: res.status, bytes, code };
}

const downloads = async (id: string) => (await relay.app.container.transfers.get(id))?.downloads;

describe('GET /api/transfers/file/:token', () => {
  it('uses an unguessable token that only the transfer’s own users can redeem', async () => {
    const { view, data } = await sendTransfer(relay, alice, [bob.email]);
    // 16 random bytes, base64url.
    expect(view.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const others = await Promise.all(
      Array.from({ length: 20 }, () => sendTransfer(relay, alice, [carol.email], { size: 10 })),
    );
    expect(new Set([view.id, ...others.map((o) => o.view.id)]).size).toBe(21);
    // The token alone is not enough, and a stranger's session with it is answered like a bad id.
    expect(await read(undefined, view.id)).toMatchObject({ status: 401, code: 'E_AUTH_REQUIRED' });
    const stranger = await read(mallory, view.id);
    const unknown = await read(mallory, 'AAAAAAAAAAAAAAAAAAAAAA');
    expect(stranger).toMatchObject({ status: 404, code: 'E_NOT_FOUND' });
    expect(stranger.bytes.equals(unknown.bytes)).toBe(true);
    // Carol is a recipient of other transfers from the same sender, not of this one.
    expect(await read(carol, view.id)).toMatchObject({ status: 404, code: 'E_NOT_FOUND' });
    expect(await read(carol, view.id, 'bytes=0-9')).toMatchObject({ status: 404 });
    const mine = await read(bob, view.id);
    expect(mine.status).toBe(200);
    expect(mine.bytes.equals(data)).toBe(true);
  });

  it('counts a download once per start at byte 0, never per ranged piece', async () => {
    const { view, data } = await sendTransfer(relay, alice, [bob.email, carol.email], {
      size: 10_000,
      partSize: 2048,
      maxDownloads: 2,
    });
    // Carol never started: a range further in is refused, and counts nothing.
    expect(await read(carol, view.id, 'bytes=100-199')).toMatchObject({
      status: 410,
      code: 'E_DOWNLOAD_LIMIT',
    });
    // Bob fetches the whole ciphertext in four ranged pieces: the one at byte 0 starts the
    // download, the other three then run in parallel, as the client does.
    const pieces = ['bytes=2500-4999', 'bytes=5000-7499', 'bytes=7500-'];
    const first = await read(bob, view.id, 'bytes=0-2499');
    expect(first.status).toBe(206);
    const rest = await Promise.all(pieces.map((r) => read(bob, view.id, r)));
    expect(rest.map((r) => r.status)).toEqual([206, 206, 206]);
    expect(Buffer.concat([first.bytes, ...rest.map((r) => r.bytes)]).equals(data)).toBe(true);
    expect(await downloads(view.id)).toBe(1);
    // The sender's reads never count.
    expect((await read(alice, view.id)).status).toBe(200);
    expect(await downloads(view.id)).toBe(1);
    // A second start (a second download) counts; then the limit is reached for every start.
    expect((await read(carol, view.id)).status).toBe(200);
    expect(await downloads(view.id)).toBe(2);
    expect(await read(bob, view.id)).toMatchObject({ status: 410, code: 'E_DOWNLOAD_LIMIT' });
    expect(await read(bob, view.id, 'bytes=0-99')).toMatchObject({ status: 410 });
    expect(await downloads(view.id)).toBe(2);
    // Resuming a started download stays possible.
    expect((await read(bob, view.id, 'bytes=9000-')).status).toBe(206);
  });

  it('enforces expiry on every read, ranged or not', async () => {
    const { view } = await sendTransfer(relay, alice, [bob.email], { expiresInSeconds: 60 });
    expect((await read(bob, view.id, 'bytes=0-9')).status).toBe(206);
    relay.clock.offsetMs = 61_000;
    try {
      for (const range of [undefined, 'bytes=0-9', 'bytes=100-', 'bytes=-5']) {
        expect(await read(bob, view.id, range)).toMatchObject({ status: 410, code: 'E_GONE' });
      }
      expect(await read(alice, view.id)).toMatchObject({ status: 410, code: 'E_GONE' });
    } finally {
      relay.clock.offsetMs = 0;
    }
  });

  it('answers 410 E_REVOKED to the sender and recipients of a revoked transfer, 404 to others', async () => {
    const { view } = await sendTransfer(relay, alice, [bob.email]);
    expect((await read(bob, view.id, 'bytes=0-9')).status).toBe(206);
    const revoked: string[] = [];
    const off = relay.app.container.bus.on('transfer:revoked', (e) => {
      revoked.push(e.transferId);
    });
    try {
      expect(
        (await call(relay, 'DELETE', `/api/transfers/${view.id}`, { token: alice.access })).status,
      ).toBe(204);
    } finally {
      off();
    }
    expect(revoked).toEqual([view.id]);
    for (const range of [undefined, 'bytes=0-9', 'bytes=10-']) {
      expect(await read(bob, view.id, range)).toMatchObject({ status: 410, code: 'E_REVOKED' });
    }
    expect(await read(alice, view.id)).toMatchObject({ status: 410, code: 'E_REVOKED' });
    for (const [user, status] of [
      [bob, 410],
      [alice, 410],
      [mallory, 404],
    ] as const) {
      const r = await call<TransferView>(relay, 'GET', `/api/transfers/${view.id}`, {
        token: user.access,
      });
      expect(r.status).toBe(status);
    }
    // Revoking twice is answered like any use of a revoked transfer.
    const again = await call(relay, 'DELETE', `/api/transfers/${view.id}`, { token: alice.access });
    expect(again).toMatchObject({ status: 410, body: { error: { code: 'E_REVOKED' } } });
    expect(await read(mallory, view.id)).toMatchObject({ status: 404 });
  });
});
