import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  Routes,
  type AuthRenewAck,
  type EventsResponse,
  type TokenPair,
} from '../src/contract/index.js';
import { sweep } from '../src/services/sweeper.js';
import { call, makeUser, startRelay, type TestRelay, type TestUser } from './helpers/relay.js';
import {
  connectError,
  connectSocket,
  waitFor,
  type Received,
  type TestSocket,
} from './helpers/realtime.js';
import { putPart, sendTransfer } from './helpers/upload.js';

let relay: TestRelay;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
const ids = new Map<string, string>();
const sockets: TestSocket[] = [];

async function connect(token: string): Promise<TestSocket> {
  const s = await connectSocket(relay.url, token);
  sockets.push(s);
  return s;
}

/** An access token for `user`'s session as if issued `ageMs` ago (same sid and subject). */
async function agedToken(user: TestUser, ageMs: number): Promise<string> {
  const claims = decodeJwt(user.access);
  const signed = await relay.app.container.jwt.signAccess(
    { sub: claims.sub ?? '', role: 'user', sid: String(claims.sid) },
    Date.now() - ageMs,
  );
  return signed.token;
}

async function fetchEvents(user: TestUser, after?: string | null) {
  const query = after === undefined || after === null ? '' : `?after=${after}`;
  const res = await call<EventsResponse>(relay, 'GET', `${Routes.events}${query}`, {
    token: user.access,
  });
  expect(res.status).toBe(200);
  return res.body;
}

const TTL_SECONDS = 900;

beforeAll(async () => {
  relay = await startRelay({
    DATACRYPT_ACCESS_TOKEN_TTL_SECONDS: String(TTL_SECONDS),
    DATACRYPT_SOCKET_SESSION_CHECK_SECONDS: '1',
  });
  alice = await makeUser(relay, 'alice@example.com');
  bob = await makeUser(relay, 'bob@example.com');
  carol = await makeUser(relay, 'carol@example.com');
  for (const u of [alice, bob, carol]) ids.set(u.email, decodeJwt(u.access).sub ?? '');
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await relay.close();
});

describe('socket handshake', () => {
  it('rejects a missing token with E_AUTH_REQUIRED', async () => {
    expect((await connectError(relay.url, undefined)).message).toBe(ErrorCode.AuthRequired);
    expect((await connectError(relay.url, '')).message).toBe(ErrorCode.AuthRequired);
  });

  it('rejects a tampered token with E_AUTH_INVALID', async () => {
    const [h = '', p = '', sig = ''] = alice.access.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as object;
    const forged = Buffer.from(JSON.stringify({ ...payload, sub: ids.get(bob.email) })).toString(
      'base64url',
    );
    const err = await connectError(relay.url, `${h}.${forged}.${sig}`);
    expect(err).toEqual({ message: ErrorCode.AuthInvalid, data: { code: ErrorCode.AuthInvalid } });
    expect((await connectError(relay.url, 'not-a-jwt')).message).toBe(ErrorCode.AuthInvalid);
    expect((await connectError(relay.url, 42)).message).toBe(ErrorCode.AuthInvalid);
  });

  it('rejects an expired token with E_AUTH_INVALID, as HTTP does', async () => {
    const expired = await agedToken(alice, (TTL_SECONDS + 5) * 1000);
    const http = await call(relay, 'GET', Routes.me, { token: expired });
    expect(http.status).toBe(401);
    expect(http.body).toMatchObject({ error: { code: ErrorCode.AuthInvalid } });
    expect((await connectError(relay.url, expired)).message).toBe(ErrorCode.AuthInvalid);
  });

  it('rejects a token of another purpose (TOTP challenge)', async () => {
    const challenge = await relay.app.container.jwt.sign(
      'totp-challenge',
      {},
      ids.get(alice.email) ?? '',
      300,
      Date.now(),
    );
    expect((await connectError(relay.url, challenge.token)).message).toBe(ErrorCode.AuthInvalid);
  });

  it('rejects a logged-out session and ends its live socket with session:ended', async () => {
    const dave = await makeUser(relay, 'dave@example.com');
    const live = await connect(dave.access);
    const out = await call(relay, 'POST', Routes.logout, { token: dave.access });
    expect(out.status).toBe(204);
    await live.next((r) => r.event === 'session:ended');
    expect(live.received).toContainEqual({
      event: 'session:ended',
      payload: { code: ErrorCode.AuthInvalid },
    });
    await live.disconnected();
    expect((await connectError(relay.url, dave.access)).message).toBe(ErrorCode.AuthInvalid);
  });

  it('a password change ends the sockets of every earlier session', async () => {
    const kim = await makeUser(relay, 'kim@example.com');
    const second = await call<TokenPair>(relay, 'POST', Routes.login, {
      body: { email: kim.email, password: kim.password },
    });
    const one = await connect(kim.access);
    const two = await connect(second.body.accessToken);
    const changed = await call<TokenPair>(relay, 'POST', Routes.password, {
      token: kim.access,
      body: { currentPassword: kim.password, newPassword: 'a brand new passphrase' },
    });
    expect(changed.status).toBe(200);
    for (const s of [one, two]) {
      const ended = await s.next((r) => r.event === 'session:ended');
      expect(ended.payload).toEqual({ code: ErrorCode.AuthInvalid });
      await s.disconnected();
    }
    const fresh = await connect(changed.body.accessToken);
    expect(fresh.socket.connected).toBe(true);
  });

  it('a session revoked out of band (refresh reuse, admin disable) loses its socket', async () => {
    const ned = await makeUser(relay, 'ned@example.com');
    const live = await connect(ned.access);
    await relay.app.container.tokens.revokeFamily(String(decodeJwt(ned.access).sid), Date.now());
    const ended = await live.next((r) => r.event === 'session:ended', 5000);
    expect(ended.payload).toEqual({ code: ErrorCode.AuthInvalid });
    await live.disconnected();
  });

  it('accepts a valid token', async () => {
    const s = await connect(alice.access);
    expect(s.socket.connected).toBe(true);
  });
});

function payloadKeys(r: Received): string[] {
  return Object.keys(r.payload).sort();
}

describe('live events', () => {
  it('delivers each event only to the users it concerns, with ids and sizes only', async () => {
    const a = await connect(alice.access);
    const b = await connect(bob.access);
    const c = await connect(carol.access);

    const { view } = await sendTransfer(relay, alice, [bob.email], { size: 3000 });
    const incoming = await b.next((r) => r.event === 'transfer:incoming');
    expect(incoming.payload).toMatchObject({ transferId: view.id, size: 3000 });
    expect(payloadKeys(incoming)).toEqual(['cursor', 'senderId', 'size', 'transferId']);
    const neu = await b.next((r) => r.event === 'transfer:new');
    expect(neu.payload).toMatchObject({
      transferId: view.id,
      senderId: ids.get(alice.email),
      size: 3000,
    });
    expect(payloadKeys(neu)).toEqual(['cursor', 'senderId', 'size', 'transferId']);

    const dl = await fetch(`${relay.url}/api/transfers/file/${view.id}`, {
      headers: { authorization: `Bearer ${bob.access}` },
    });
    expect(dl.status).toBe(200);
    await dl.arrayBuffer();
    const downloaded = await a.next((r) => r.event === 'transfer:downloaded');
    expect(downloaded.payload).toMatchObject({
      transferId: view.id,
      recipientId: ids.get(bob.email),
    });
    const receipt = await call(relay, 'POST', `/api/transfers/${view.id}/receipt`, {
      token: bob.access,
      body: { signature: 'c2lnbmF0dXJl' },
    });
    expect(receipt.status).toBe(204);
    await a.next((r) => r.event === 'transfer:receipt');
    const revoke = await call(relay, 'DELETE', `/api/transfers/${view.id}`, {
      token: alice.access,
    });
    expect(revoke.status).toBe(204);
    const revoked = await b.next((r) => r.event === 'transfer:revoked');
    expect(payloadKeys(revoked)).toEqual(['cursor', 'senderId', 'transferId']);

    // A marker for carol, delivered after everything above: carol's first event must be it.
    const marker = await sendTransfer(relay, bob, [carol.email]);
    const first = await c.next(() => true);
    expect(first.event).toBe('transfer:incoming');
    expect(first.payload).toMatchObject({ transferId: marker.view.id });
    await c.next((r) => r.event === 'transfer:new');
    expect(c.received.map((r) => r.event)).toEqual(['transfer:incoming', 'transfer:new']);
    // Alice heard only of her own transfer's download and receipt, bob not of those.
    expect(a.received.map((r) => r.event)).toEqual(['transfer:downloaded', 'transfer:receipt']);
    expect(b.received.map((r) => r.event)).toEqual([
      'transfer:incoming',
      'transfer:new',
      'transfer:revoked',
    ]);

    // No names, emails or plaintext in anything sent over the sockets.
    const wire = JSON.stringify([...a.received, ...b.received, ...c.received]);
    for (const u of [alice, bob, carol]) expect(wire).not.toContain(u.email);
    expect(wire).not.toMatch(/name|email|file/i);
    for (const s of [a, b, c]) s.close();
  });

  it('recipients hear transfer:incoming at creation (live relay), then one transfer:new', async () => {
    const before = await fetchEvents(carol);
    const b = await connect(carol.access);
    const created = await call<{ id: string }>(relay, 'POST', Routes.createTransfer, {
      token: alice.access,
      body: { recipients: [carol.email], size: 1500, partSize: 1024 },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const incoming = await b.next((r) => r.event === 'transfer:incoming');
    expect(incoming.payload).toMatchObject({ transferId: id, size: 1500 });
    expect((await putPart(relay, alice.access, id, 1, Buffer.alloc(1024, 1))).status).toBe(200);
    expect((await putPart(relay, alice.access, id, 2, Buffer.alloc(476, 2))).status).toBe(200);
    const logged = (await fetchEvents(carol, before.cursor)).events;
    expect(logged.map((e) => e.event)).toEqual(['transfer:incoming']);
    expect(logged[0]?.payload).toMatchObject({ transferId: id });
    const fin = await call(relay, 'POST', `/api/transfers/upload/${id}/finalize`, {
      token: alice.access,
    });
    expect(fin.status).toBe(200);
    const live = await b.next((r) => r.event === 'transfer:new');
    expect(live.payload).toMatchObject({ transferId: id });
    expect(b.received.map((r) => r.event)).toEqual(['transfer:incoming', 'transfer:new']);
    b.close();
  });
});

describe('catch-up', () => {
  it('a client that was offline gets exactly what it missed, in order, and only its own', async () => {
    const erin = await makeUser(relay, 'erin@example.com');
    const s = await connect(erin.access);
    const first = await sendTransfer(relay, alice, [erin.email]);
    const seen = await s.nextOf('transfer:new');
    const lastCursor = seen.cursor;
    s.close();
    await s.disconnected();

    // While erin is offline: two transfers arrive and one of them is revoked.
    const second = await sendTransfer(relay, alice, [erin.email]);
    const third = await sendTransfer(relay, bob, [erin.email, carol.email]);
    expect(
      (await call(relay, 'DELETE', `/api/transfers/${second.view.id}`, { token: alice.access }))
        .status,
    ).toBe(204);
    // A transfer erin is not part of must not show up.
    await sendTransfer(relay, alice, [carol.email]);

    const caught = await waitFor(async () => {
      const r = await fetchEvents(erin, lastCursor);
      return r.events.length >= 5 ? r : undefined;
    });
    expect(caught.events.map((e) => [e.event, e.payload])).toEqual([
      ['transfer:incoming', expect.objectContaining({ transferId: second.view.id })],
      ['transfer:new', expect.objectContaining({ transferId: second.view.id })],
      ['transfer:incoming', expect.objectContaining({ transferId: third.view.id })],
      ['transfer:new', expect.objectContaining({ transferId: third.view.id })],
      ['transfer:revoked', expect.objectContaining({ transferId: second.view.id })],
    ]);
    for (const e of caught.events) {
      expect(e.payload.cursor).toBe(e.cursor);
      expect(BigInt(e.cursor)).toBeGreaterThan(BigInt(lastCursor));
    }
    expect(caught.cursor).toBe(caught.events.at(-1)?.cursor);

    // Paging by limit, and an empty page keeps the cursor.
    const page = await call<EventsResponse>(
      relay,
      'GET',
      `${Routes.events}?after=${lastCursor}&limit=1`,
      { token: erin.access },
    );
    expect(page.body.events).toHaveLength(1);
    expect(page.body.events[0]?.payload).toMatchObject({ transferId: second.view.id });
    const end = await fetchEvents(erin, caught.cursor);
    expect(end).toEqual({ events: [], cursor: caught.cursor });

    // From the start: everything, beginning with the first transfer.
    const all = await fetchEvents(erin);
    expect(all.events[0]?.payload).toMatchObject({ transferId: first.view.id });
    expect(all.events).toHaveLength(7);
  });

  it('requires authentication and rejects a malformed cursor', async () => {
    const anon = await call(relay, 'GET', Routes.events);
    expect(anon.status).toBe(401);
    const bad = await call(relay, 'GET', `${Routes.events}?after=abc`, { token: alice.access });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: ErrorCode.Validation } });
  });
});

describe('key:changed', () => {
  it('reaches users sharing a transfer or who looked the key up, not strangers', async () => {
    const frank = await makeUser(relay, 'frank@example.com');
    const gina = await makeUser(relay, 'gina@example.com');
    const hal = await makeUser(relay, 'hal@example.com');
    const ivy = await makeUser(relay, 'ivy@example.com');
    await sendTransfer(relay, gina, [frank.email]); // gina shares a transfer with frank
    const lookup = await call(relay, 'GET', `/api/users/public-key/${frank.email}`, {
      token: hal.access,
    }); // hal looked frank's key up
    expect(lookup.status).toBe(200);
    const g = await connect(gina.access);
    const h = await connect(hal.access);
    const i = await connect(ivy.access);
    const f = await connect(frank.access);

    const { generateIdentity, signKeyPublication } = await import('@datacrypt/shared-crypto');
    const rotated = signKeyPublication(generateIdentity(), frank.email, Date.now() + 1000);
    const put = await call<{ current: { fingerprint: string } }>(relay, 'PUT', Routes.publishKey, {
      token: frank.access,
      body: rotated,
    });
    expect(put.status).toBe(200);
    const expected = {
      userId: decodeJwt(frank.access).sub,
      fingerprint: put.body.current.fingerprint,
    };
    for (const s of [g, h, f]) {
      const got = await s.next((r) => r.event === 'key:changed');
      expect(got.payload).toMatchObject(expected);
    }
    // A marker for ivy after the key change: it must be the first thing ivy hears.
    await sendTransfer(relay, gina, [ivy.email]);
    const first = await i.next(() => true);
    expect(first.event).toBe('transfer:incoming');
  });
});

describe('token expiry on a live socket', () => {
  it('ends the socket with session:ended E_TOKEN_EXPIRED when the token is not renewed', async () => {
    const short = await agedToken(bob, (TTL_SECONDS - 2) * 1000);
    const s = await connect(short);
    const ended = await s.next((r) => r.event === 'session:ended', 8000);
    expect(ended.payload).toEqual({ code: ErrorCode.TokenExpired });
    await s.disconnected();
    expect(Date.now()).toBeGreaterThanOrEqual((decodeJwt(short).exp ?? 0) * 1000 - 50);
  });

  it('auth:renew replaces the token without reconnecting; bad renewals are refused', async () => {
    const short = await agedToken(carol, (TTL_SECONDS - 2) * 1000);
    const shortExp = (decodeJwt(short).exp ?? 0) * 1000;
    const s = await connect(short);
    const renew = (token: unknown) =>
      s.socket.timeout(5000).emitWithAck('auth:renew', token as string) as Promise<AuthRenewAck>;

    expect(await renew('garbage')).toEqual({ ok: false, code: ErrorCode.AuthInvalid });
    expect(await renew(alice.access)).toEqual({ ok: false, code: ErrorCode.AuthInvalid });
    const refreshed = await call<TokenPair>(relay, 'POST', Routes.refresh, {
      body: { refreshToken: carol.tokens.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    carol.tokens = refreshed.body;
    carol.access = refreshed.body.accessToken;
    const ack = await renew(carol.access);
    expect(ack).toEqual({ ok: true, expiresAt: refreshed.body.accessTokenExpiresAt });

    // Past the old token's expiry the socket still lives and receives events.
    await waitFor(() => (Date.now() > shortExp + 300 ? true : undefined), 6000);
    const { view } = await sendTransfer(relay, alice, [carol.email]);
    const got = await s.next((r) => r.event === 'transfer:new');
    expect(got.payload).toMatchObject({ transferId: view.id });
    expect(s.received.some((r) => r.event === 'session:ended')).toBe(false);
    expect(s.socket.connected).toBe(true);
  });
});

describe('transfer:expired', () => {
  it('reaches sender and recipients when the sweeper removes an expired transfer', async () => {
    const lee = await makeUser(relay, 'lee@example.com');
    const max = await makeUser(relay, 'max@example.com');
    const { view } = await sendTransfer(relay, lee, [max.email], { expiresInSeconds: 60 });
    const sender = await connect(lee.access);
    const recipient = await connect(max.access);
    relay.clock.offsetMs = 61_000;
    try {
      await sweep(relay.app.container, relay.app.log);
    } finally {
      relay.clock.offsetMs = 0;
    }
    for (const s of [sender, recipient]) {
      const got = await s.nextOf('transfer:expired', (p) => p.transferId === view.id);
      expect(got).toMatchObject({ transferId: view.id, senderId: decodeJwt(lee.access).sub });
      expect(Object.keys(got).sort()).toEqual(['cursor', 'senderId', 'transferId']);
    }
  });
});
