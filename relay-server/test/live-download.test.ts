import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Routes, type EventsResponse, type TransferView } from '../src/contract/index.js';
import { call, makeUser, startRelay, type TestRelay, type TestUser } from './helpers/relay.js';
import { putPart } from './helpers/upload.js';

// Recipients download a transfer while its sender is still uploading it (disk blob store): each
// part streams as soon as its upload is recorded.

const PART = 1024;

let relay: TestRelay;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;

beforeAll(async () => {
  relay = await startRelay({ DATACRYPT_LIVE_DOWNLOAD_WAIT_SECONDS: '1' });
  alice = await makeUser(relay, 'alice@example.com');
  bob = await makeUser(relay, 'bob@example.com');
  carol = await makeUser(relay, 'carol@example.com');
});
afterAll(async () => {
  await relay.close();
});

async function create(r: TestRelay, sender: TestUser, recipients: string[], size: number) {
  const created = await call<TransferView>(r, 'POST', Routes.createTransfer, {
    token: sender.access,
    body: { recipients, size, partSize: PART },
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

function part(data: Buffer, n: number): Buffer {
  return data.subarray((n - 1) * PART, n * PART);
}

/**
 * A download read as it arrives: `response` settles with the headers (for a live download, once
 * the first part it needs is there), `received()` grows, `done` settles when the body ends.
 */
function startDownload(r: TestRelay, user: TestUser, id: string, range?: string) {
  const chunks: Buffer[] = [];
  const state = { bytes: 0 };
  const response = fetch(`${r.url}/api/transfers/file/${id}`, {
    headers: { authorization: `Bearer ${user.access}`, ...(range ? { range } : {}) },
  });
  const done = (async () => {
    const res = await response;
    if (!res.ok || res.body === null) throw new Error(`HTTP ${res.status}`);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { done: ended, value } = await reader.read();
      if (ended) return Buffer.concat(chunks);
      chunks.push(Buffer.from(value));
      state.bytes += value.length;
    }
  })();
  done.catch(() => undefined);
  response.catch(() => undefined);
  return { response, state, done, received: () => Buffer.concat(chunks) };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('live downloads', () => {
  it('streams parts to the recipient as they are uploaded, in order, whatever the upload order', async () => {
    const data = randomBytes(PART * 3 + 100);
    const id = await create(relay, alice, [bob.email], data.length);
    const view = await call<TransferView>(relay, 'GET', `/api/transfers/${id}`, {
      token: bob.access,
    });
    expect(view.body.status).toBe('uploading');

    const download = startDownload(relay, bob, id);
    // Part 2 first: nothing may be delivered until part 1 is there.
    expect((await putPart(relay, alice.access, id, 2, part(data, 2))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(download.state.bytes).toBe(0);
    expect((await putPart(relay, alice.access, id, 1, part(data, 1))).status).toBe(200);
    const res = await download.response;
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(data.length));
    await until(() => download.state.bytes === 2 * PART, 'parts 1 and 2');
    expect(download.received().equals(data.subarray(0, 2 * PART))).toBe(true);
    expect((await putPart(relay, alice.access, id, 4, part(data, 4))).status).toBe(200);
    expect((await putPart(relay, alice.access, id, 3, part(data, 3))).status).toBe(200);
    expect((await download.done).equals(data)).toBe(true);

    // The download counted; the recipient can acknowledge before the sender finalizes.
    const sent = await call<TransferView>(relay, 'GET', `/api/transfers/${id}`, {
      token: alice.access,
    });
    expect(sent.body).toMatchObject({ status: 'uploading', downloads: 1 });
    const receipt = await call(relay, 'POST', `/api/transfers/${id}/receipt`, {
      token: bob.access,
      body: { signature: 'c2lnbmF0dXJl' },
    });
    expect(receipt.status).toBe(204);
    const fin = await call<TransferView>(relay, 'POST', `/api/transfers/upload/${id}/finalize`, {
      token: alice.access,
    });
    expect(fin.body).toMatchObject({ status: 'ready', receipts: [{ recipient: bob.email }] });
    // After finalize the same bytes come from the completed blob.
    const again = startDownload(relay, bob, id, `bytes=${PART - 5}-`);
    expect((await again.response).status).toBe(206);
    expect((await again.done).equals(data.subarray(PART - 5))).toBe(true);
  });

  it('serves a range that starts inside a part, and only its own bytes', async () => {
    const data = randomBytes(PART * 3);
    const id = await create(relay, alice, [bob.email], data.length);
    expect((await putPart(relay, alice.access, id, 1, part(data, 1))).status).toBe(200);
    const first = startDownload(relay, bob, id);
    await until(() => first.state.bytes === PART, 'part 1');
    const from = PART + 17;
    const to = 2 * PART + 3;
    const ranged = startDownload(relay, bob, id, `bytes=${from}-${to}`);
    expect((await putPart(relay, alice.access, id, 3, part(data, 3))).status).toBe(200);
    expect((await putPart(relay, alice.access, id, 2, part(data, 2))).status).toBe(200);
    const res = await ranged.response;
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes ${from}-${to}/${data.length}`);
    expect((await ranged.done).equals(data.subarray(from, to + 1))).toBe(true);
    expect((await first.done).equals(data)).toBe(true);
  });

  it('ends a download whose next part does not come in time; a ranged resume finishes it', async () => {
    const data = randomBytes(PART * 2);
    const id = await create(relay, alice, [bob.email], data.length);
    expect((await putPart(relay, alice.access, id, 1, part(data, 1))).status).toBe(200);
    const stalled = startDownload(relay, bob, id);
    // DATACRYPT_LIVE_DOWNLOAD_WAIT_SECONDS=1: the cut comes after about a second.
    await expect(stalled.done).rejects.toThrow();
    const got = stalled.received();
    expect(got.equals(data.subarray(0, got.length))).toBe(true);
    expect(got.length).toBe(PART);
    expect((await putPart(relay, alice.access, id, 2, part(data, 2))).status).toBe(200);
    const resumed = startDownload(relay, bob, id, `bytes=${got.length}-`);
    expect((await resumed.response).status).toBe(206);
    expect(Buffer.concat([got, await resumed.done]).equals(data)).toBe(true);
  });

  it('cuts a live download when the sender revokes, and then answers E_REVOKED', async () => {
    const data = randomBytes(PART * 2);
    const id = await create(relay, alice, [bob.email], data.length);
    const download = startDownload(relay, bob, id);
    expect((await putPart(relay, alice.access, id, 1, part(data, 1))).status).toBe(200);
    await until(() => download.state.bytes === PART, 'part 1');
    expect(
      (await call(relay, 'DELETE', `/api/transfers/${id}`, { token: alice.access })).status,
    ).toBe(204);
    await expect(download.done).rejects.toThrow();
    const after = await call(relay, 'GET', `/api/transfers/${id}`, { token: bob.access });
    expect(after.status).toBe(410);
    expect(after.body).toMatchObject({ error: { code: 'E_REVOKED' } });
    const events = await call<EventsResponse>(relay, 'GET', Routes.events, { token: bob.access });
    const mine = events.body.events
      .filter((e) => 'transferId' in e.payload && e.payload.transferId === id)
      .map((e) => e.event);
    expect(mine).toEqual(['transfer:incoming', 'transfer:revoked']);
  });

  it('answers E_TRANSFER_STATE when the first part does not come in time, without counting', async () => {
    const id = await create(relay, alice, [bob.email], PART * 2);
    const waited = await call(relay, 'GET', `/api/transfers/file/${id}`, { token: bob.access });
    expect(waited.status).toBe(409);
    expect(waited.body).toMatchObject({ error: { code: 'E_TRANSFER_STATE' } });
    expect(JSON.stringify(waited.body)).toMatch(/part 1 has not been uploaded/);
    const view = await call<TransferView>(relay, 'GET', `/api/transfers/${id}`, {
      token: alice.access,
    });
    expect(view.body.downloads).toBe(0);
  });

  it('stops waiting for a client that went away: no download is counted', async () => {
    const data = randomBytes(PART);
    const id = await create(relay, alice, [bob.email], data.length);
    const gone = new AbortController();
    const waiting = fetch(`${relay.url}/api/transfers/file/${id}`, {
      headers: { authorization: `Bearer ${bob.access}` },
      signal: gone.signal,
    });
    waiting.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    gone.abort();
    await expect(waiting).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 100));
    // Had the relay kept waiting, this part would have started (and counted) a download.
    expect((await putPart(relay, alice.access, id, 1, data)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    const view = await call<TransferView>(relay, 'GET', `/api/transfers/${id}`, {
      token: alice.access,
    });
    expect(view.body.downloads).toBe(0);
  });

  it('keeps it from strangers and the sender: 404 and E_TRANSFER_STATE', async () => {
    const id = await create(relay, alice, [bob.email], PART);
    const stranger = await call(relay, 'GET', `/api/transfers/file/${id}`, { token: carol.access });
    expect(stranger.status).toBe(404);
    const own = await call(relay, 'GET', `/api/transfers/file/${id}`, { token: alice.access });
    expect(own.status).toBe(409);
    expect(own.body).toMatchObject({ error: { code: 'E_TRANSFER_STATE' } });
    const hide = await call(relay, 'POST', `/api/transfers/${id}/hide`, { token: bob.access });
    expect(hide.status).toBe(404);
  });
});

describe('a relay with live downloads turned off (DATACRYPT_LIVE_DOWNLOAD_WAIT_SECONDS=0)', () => {
  it('shows recipients nothing before finalize, then one transfer:new', async () => {
    const off = await startRelay({ DATACRYPT_LIVE_DOWNLOAD_WAIT_SECONDS: '0' });
    try {
      const sender = await makeUser(off, 'dan@example.com');
      const recipient = await makeUser(off, 'eve@example.com');
      const data = randomBytes(PART);
      const id = await create(off, sender, [recipient.email], data.length);
      expect((await putPart(off, sender.access, id, 1, data)).status).toBe(200);
      for (const path of [`/api/transfers/${id}`, `/api/transfers/file/${id}`]) {
        expect((await call(off, 'GET', path, { token: recipient.access })).status).toBe(404);
      }
      const before = await call<EventsResponse>(off, 'GET', Routes.events, {
        token: recipient.access,
      });
      expect(before.body.events).toEqual([]);
      const fin = await call(off, 'POST', `/api/transfers/upload/${id}/finalize`, {
        token: sender.access,
      });
      expect(fin.status).toBe(200);
      const download = startDownload(off, recipient, id);
      expect((await download.done).equals(data)).toBe(true);
      const after = await call<EventsResponse>(off, 'GET', Routes.events, {
        token: recipient.access,
      });
      expect(after.body.events.map((e) => e.event)).toEqual(['transfer:new']);
    } finally {
      await off.close();
    }
  });
});
