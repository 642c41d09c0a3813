import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { generateIdentity, signKeyPublication } from '@datacrypt/shared-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskBlobStore } from '../src/adapters/blob/disk.js';
import type {
  PartsResponse,
  TokenPair,
  TransferList,
  TransferView,
} from '../src/contract/index.js';
import type { BlobLayout, BlobStore } from '../src/ports.js';
import { sweep } from '../src/services/sweeper.js';
import {
  call,
  makeUser,
  PASSWORD,
  startRelay,
  type TestRelay,
  type TestUser,
} from './helpers/relay.js';
import { putPart, sendTransfer, sha256 } from './helpers/upload.js';

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function downloadAll(url: string, token: string, id: string): Promise<Buffer> {
  const res = await fetch(`${url}/api/transfers/file/${id}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

describe('a connection dropped mid-part', () => {
  let relay: TestRelay;
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    relay = await startRelay();
    alice = await makeUser(relay, 'alice@example.com');
    bob = await makeUser(relay, 'bob@example.com');
  });
  afterAll(async () => {
    await relay.close();
  });

  it('leaves no part and no temp file behind, and the upload resumes', async () => {
    const data = randomBytes(300_000);
    const created = await call<TransferView>(relay, 'POST', '/api/transfers/upload', {
      token: alice.access,
      body: { recipients: [bob.email], size: data.length, partSize: 200_000 },
    });
    const id = created.body.id;
    const first = data.subarray(0, 200_000);
    await new Promise<void>((resolve) => {
      const req = request(`${relay.url}/api/transfers/upload/${id}/parts/1`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${alice.access}`,
          'content-type': 'application/octet-stream',
          'content-length': String(first.length),
          'x-datacrypt-sha256': sha256(first),
        },
      });
      req.on('error', () => {
        resolve();
      });
      req.write(first.subarray(0, 120_000), () => {
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 100);
      });
    });
    const blobDir = join(relay.dir, 'blobs');
    await until(async () => (await listFiles(blobDir)).length === 0);
    const parts = await call<PartsResponse>(relay, 'GET', `/api/transfers/upload/${id}/parts`, {
      token: alice.access,
    });
    expect(parts.body.parts).toEqual([]);

    expect((await putPart(relay, alice.access, id, 1, first)).status).toBe(200);
    expect((await putPart(relay, alice.access, id, 2, data.subarray(200_000))).status).toBe(200);
    const fin = await call(relay, 'POST', `/api/transfers/upload/${id}/finalize`, {
      token: alice.access,
    });
    expect(fin.status).toBe(200);
    expect((await downloadAll(relay.url, bob.access, id)).equals(data)).toBe(true);
  });
});

describe('a finalize cut short (the state a crash between its steps leaves)', () => {
  it('keeps the upload closed to part writes and completes on the next finalize', async () => {
    const relay = await startRelay();
    try {
      const alice = await makeUser(relay, 'alice@example.com');
      const bob = await makeUser(relay, 'bob@example.com');
      const data = randomBytes(3000);
      const created = await call<TransferView>(relay, 'POST', '/api/transfers/upload', {
        token: alice.access,
        body: { recipients: [bob.email], size: data.length, partSize: 2048 },
      });
      const id = created.body.id;
      await putPart(relay, alice.access, id, 1, data.subarray(0, 2048));
      await putPart(relay, alice.access, id, 2, data.subarray(2048));
      // Finalize began (closing the upload), then the process died before completing it.
      expect(await relay.app.container.transfers.beginFinalize(id, Date.now())).toBe(true);
      const late = await putPart(relay, alice.access, id, 1, randomBytes(2048));
      expect(late.status).toBe(409);
      expect(late.body).toMatchObject({ error: { code: 'E_TRANSFER_STATE' } });
      const inbox = await call<TransferList>(relay, 'GET', '/api/transfers/inbox', {
        token: bob.access,
      });
      expect(inbox.body.total).toBe(0);
      const fin = await call<TransferView>(relay, 'POST', `/api/transfers/upload/${id}/finalize`, {
        token: alice.access,
      });
      expect(fin.status).toBe(200);
      expect(fin.body.status).toBe('ready');
      expect((await downloadAll(relay.url, bob.access, id)).equals(data)).toBe(true);
    } finally {
      await relay.close();
    }
  });
});

describe('a blob lost behind the relay’s back', () => {
  it('answers the download with 503 E_STORAGE instead of a truncated body', async () => {
    const relay = await startRelay();
    try {
      const alice = await makeUser(relay, 'alice@example.com');
      const bob = await makeUser(relay, 'bob@example.com');
      const { view } = await sendTransfer(relay, alice, [bob.email]);
      await rm(join(relay.dir, 'blobs', view.id.slice(0, 2), view.id), { recursive: true });
      const res = await fetch(`${relay.url}/api/transfers/file/${view.id}`, {
        headers: { authorization: `Bearer ${bob.access}` },
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: { code: 'E_STORAGE' } });
    } finally {
      await relay.close();
    }
  });
});

/** A blob store that can be switched to failing, to observe what the relay does then. */
class FlakyBlobStore implements BlobStore {
  failing = false;
  /** Fail part uploads only after reading the whole body (an outage while sending it on). */
  failingAfterBody = false;
  constructor(private readonly inner: BlobStore) {}
  private check(): void {
    if (this.failing) throw new Error('simulated storage outage');
  }
  begin(key: string) {
    this.check();
    return this.inner.begin(key);
  }
  async putPart(
    key: string,
    handle: string | null,
    n: number,
    body: Readable,
    expected: { size: number; sha256: string },
  ) {
    if (this.failing) {
      body.resume();
      throw new Error('simulated storage outage');
    }
    if (this.failingAfterBody) {
      await new Promise((resolve, reject) => {
        body.once('end', resolve).once('error', reject).resume();
      });
      throw new Error('simulated storage outage after the body');
    }
    return this.inner.putPart(key, handle, n, body, expected);
  }
  complete(
    key: string,
    handle: string | null,
    parts: readonly { n: number; etag: string }[],
    layout: BlobLayout,
  ) {
    this.check();
    return this.inner.complete(key, handle, parts, layout);
  }
  read(key: string, layout: BlobLayout, start: number, end: number) {
    this.check();
    return this.inner.read(key, layout, start, end);
  }
  delete(key: string, handle: string | null) {
    this.check();
    return this.inner.delete(key, handle);
  }
  close() {
    return this.inner.close();
  }
}

describe('blob store errors', () => {
  let relay: TestRelay;
  let flaky: FlakyBlobStore;
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flaky-'));
    flaky = new FlakyBlobStore(new DiskBlobStore(dir));
    relay = await startRelay({}, { blobs: flaky });
    alice = await makeUser(relay, 'alice@example.com');
    bob = await makeUser(relay, 'bob@example.com');
  });
  afterAll(async () => {
    await relay.close();
  });

  const storageDown = { error: { code: 'E_STORAGE' } };

  it('answers 503 E_STORAGE and leaves no dangling record on create, part, finalize, read, delete', async () => {
    const body = { recipients: [bob.email], size: 2000, partSize: 1024 };
    flaky.failing = true;
    const create = await call(relay, 'POST', '/api/transfers/upload', {
      token: alice.access,
      body,
    });
    expect(create.status).toBe(503);
    expect(create.body).toMatchObject(storageDown);
    flaky.failing = false;
    const sent = await call<TransferList>(relay, 'GET', '/api/transfers/sent', {
      token: alice.access,
    });
    expect(sent.body.total).toBe(0);

    const created = await call<TransferView>(relay, 'POST', '/api/transfers/upload', {
      token: alice.access,
      body,
    });
    const id = created.body.id;
    const data = randomBytes(2000);
    flaky.failing = true;
    const part = await putPart(relay, alice.access, id, 1, data.subarray(0, 1024));
    expect(part.status).toBe(503);
    expect(part.body).toMatchObject(storageDown);
    flaky.failing = false;
    const parts = await call<PartsResponse>(relay, 'GET', `/api/transfers/upload/${id}/parts`, {
      token: alice.access,
    });
    expect(parts.body.parts).toEqual([]);
    await putPart(relay, alice.access, id, 1, data.subarray(0, 1024));
    await putPart(relay, alice.access, id, 2, data.subarray(1024));

    flaky.failing = true;
    const fin = await call(relay, 'POST', `/api/transfers/upload/${id}/finalize`, {
      token: alice.access,
    });
    expect(fin.status).toBe(503);
    flaky.failing = false;
    const inbox = await call<TransferList>(relay, 'GET', '/api/transfers/inbox', {
      token: bob.access,
    });
    expect(inbox.body.total).toBe(0);
    expect(
      (await call(relay, 'POST', `/api/transfers/upload/${id}/finalize`, { token: alice.access }))
        .status,
    ).toBe(200);

    flaky.failing = true;
    const read = await fetch(`${relay.url}/api/transfers/file/${id}`, {
      headers: { authorization: `Bearer ${bob.access}` },
    });
    expect(read.status).toBe(503);
    expect(await read.json()).toMatchObject(storageDown);

    // The revoke itself is one record write: it succeeds, and the blob delete waits for the store.
    const del = await call(relay, 'DELETE', `/api/transfers/${id}`, { token: alice.access });
    expect(del.status).toBe(204);
    const after = await call(relay, 'GET', `/api/transfers/${id}`, { token: alice.access });
    expect(after.status).toBe(410);
    expect(after.body).toMatchObject({ error: { code: 'E_REVOKED' } });
    // Blob delete pending: the record still names its blob for the sweeper.
    expect(await relay.app.container.transfers.get(id)).toMatchObject({ deleting: true });
    flaky.failing = false;
    expect(await sweep(relay.app.container, relay.app.log)).toBe(1);
    expect(await relay.app.container.transfers.get(id)).toMatchObject({ deleting: false });
  });

  it('answers 503 E_STORAGE, not 500, when the store fails after the whole part was received', async () => {
    const created = await call<TransferView>(relay, 'POST', '/api/transfers/upload', {
      token: alice.access,
      body: { recipients: [bob.email], size: 2000, partSize: 1024 },
    });
    flaky.failingAfterBody = true;
    try {
      const part = await putPart(relay, alice.access, created.body.id, 1, randomBytes(1024));
      expect(part.status).toBe(503);
      expect(part.body).toMatchObject(storageDown);
    } finally {
      flaky.failingAfterBody = false;
    }
  });
});

/** A real disk store whose first `failures` deletes fail, like a store that is briefly down. */
class FailingDeletes extends DiskBlobStore {
  deleteCalls = 0;
  constructor(
    root: string,
    public failures: number,
  ) {
    super(root);
  }
  override async delete(key: string, handle: string | null): Promise<void> {
    this.deleteCalls++;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('simulated delete failure');
    }
    await super.delete(key, handle);
  }
}

describe('a blob delete that fails', () => {
  let relay: TestRelay;
  let store: FailingDeletes;
  let blobRoot: string;
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    blobRoot = await mkdtemp(join(tmpdir(), 'failing-deletes-'));
    store = new FailingDeletes(blobRoot, 0);
    relay = await startRelay({}, { blobs: store });
    alice = await makeUser(relay, 'alice@example.com');
    bob = await makeUser(relay, 'bob@example.com');
  });
  afterAll(async () => {
    await relay.close();
    await rm(blobRoot, { recursive: true, force: true });
  });

  const blobFiles = async (id: string) =>
    listFiles(join(blobRoot, id.slice(0, 2), id)).catch(() => [] as string[]);

  it('is retried by the sweeper until the blob is gone; the record goes only after it', async () => {
    const { view } = await sendTransfer(relay, alice, [bob.email]);
    expect(await blobFiles(view.id)).toHaveLength(3);
    store.failures = 3;
    store.deleteCalls = 0;
    const revoke = await call(relay, 'DELETE', `/api/transfers/${view.id}`, {
      token: alice.access,
    });
    expect(revoke.status).toBe(204);
    expect(store.deleteCalls).toBe(1);
    // Revoked at once for everyone, whatever the store does.
    const res = await fetch(`${relay.url}/api/transfers/file/${view.id}`, {
      headers: { authorization: `Bearer ${bob.access}`, range: 'bytes=0-9' },
    });
    expect(res.status).toBe(410);
    expect(await res.json()).toMatchObject({ error: { code: 'E_REVOKED' } });
    const me = await call<{ usedBytes: number }>(relay, 'GET', '/api/auth/me', {
      token: alice.access,
    });
    expect(me.body.usedBytes).toBe(0);

    for (const attempt of [2, 3]) {
      expect(await sweep(relay.app.container, relay.app.log)).toBe(0);
      expect(store.deleteCalls).toBe(attempt);
      // Still pending, and the blob it points at is still all there.
      expect(await relay.app.container.transfers.get(view.id)).toMatchObject({ deleting: true });
      expect(await blobFiles(view.id)).toHaveLength(3);
    }
    expect(await sweep(relay.app.container, relay.app.log)).toBe(1);
    expect(store.deleteCalls).toBe(4);
    expect(await blobFiles(view.id)).toEqual([]);
    // A tombstone (410 E_REVOKED until it would have expired), with nothing left to delete.
    expect(await relay.app.container.transfers.get(view.id)).toMatchObject({
      deleting: false,
      revokedAt: expect.any(Number) as number,
    });
    expect(await relay.app.container.transfers.parts(view.id)).toEqual([]);
    expect(await sweep(relay.app.container, relay.app.log)).toBe(0);
    relay.clock.offsetMs = view.expiresAt - Date.now() + 1000;
    try {
      expect(await sweep(relay.app.container, relay.app.log)).toBe(1);
    } finally {
      relay.clock.offsetMs = 0;
    }
    expect(await relay.app.container.transfers.get(view.id)).toBeUndefined();
  });

  it('keeps an expired transfer pending until its blob is deleted, telling its users once', async () => {
    const { view } = await sendTransfer(relay, alice, [bob.email], { expiresInSeconds: 60 });
    const expired: string[] = [];
    const off = relay.app.container.bus.on('transfer:expired', (e) => {
      expired.push(e.transferId);
    });
    store.failures = 2;
    relay.clock.offsetMs = 61_000;
    try {
      expect(await sweep(relay.app.container, relay.app.log)).toBe(0);
      expect(await relay.app.container.transfers.get(view.id)).toMatchObject({ deleting: true });
      expect(await blobFiles(view.id)).toHaveLength(3);
      expect(await sweep(relay.app.container, relay.app.log)).toBe(0);
      expect(await sweep(relay.app.container, relay.app.log)).toBe(1);
    } finally {
      relay.clock.offsetMs = 0;
      off();
    }
    expect(expired.filter((id) => id === view.id)).toHaveLength(1);
    expect(await relay.app.container.transfers.get(view.id)).toBeUndefined();
    expect(await blobFiles(view.id)).toEqual([]);
  });
});

describe('relay killed with SIGKILL during uploads', () => {
  const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
  let dir: string;
  let child: ChildProcess | undefined;

  async function start(): Promise<string> {
    const proc = spawn(process.execPath, [main], {
      env: {
        ...process.env,
        DATACRYPT_DATA_DIR: dir,
        DATACRYPT_PORT: '0',
        DATACRYPT_LOG_LEVEL: 'warn',
        DATACRYPT_MIN_PART_SIZE: '1024',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child = proc;
    return new Promise((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m?.[1] !== undefined) resolve(m[1]);
      });
      proc.once('exit', (code) => {
        reject(new Error(`relay exited early with ${code}`));
      });
    });
  }

  async function codeFor(email: string): Promise<string> {
    const outbox = join(dir, 'outbox');
    for (const f of (await readdir(outbox)).sort().reverse()) {
      const text = await readFile(join(outbox, f), 'utf8');
      const m = /verification code: (\d{6})/.exec(text);
      if (text.includes(`To: ${email}`) && m?.[1] !== undefined) return m[1];
    }
    throw new Error(`no code for ${email}`);
  }

  async function user(url: string, email: string): Promise<string> {
    await call({ url }, 'POST', '/api/auth/register', { body: { email, password: PASSWORD } });
    await call({ url }, 'POST', '/api/auth/verify-otp', {
      body: { email, code: await codeFor(email) },
    });
    const login = await call<TokenPair>({ url }, 'POST', '/api/auth/login', {
      body: { email, password: PASSWORD },
    });
    const token = login.body.accessToken;
    const pub = signKeyPublication(generateIdentity(), email, Date.now());
    await call({ url }, 'PUT', '/api/users/public-key', { token, body: pub });
    return token;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relay-kill-'));
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('loses no finalized transfer and keeps every stored part intact', async () => {
    let url = await start();
    const alice = await user(url, 'alice@example.com');
    const bob = await user(url, 'bob@example.com');
    const partSize = 256 * 1024;

    const done = randomBytes(partSize * 3 + 17);
    const t1 = await call<TransferView>({ url }, 'POST', '/api/transfers/upload', {
      token: alice,
      body: { recipients: ['bob@example.com'], size: done.length, partSize },
    });
    for (let n = 1; n <= t1.body.partCount; n++) {
      await putPart({ url }, alice, t1.body.id, n, done.subarray((n - 1) * partSize, n * partSize));
    }
    expect(
      (
        await call({ url }, 'POST', `/api/transfers/upload/${t1.body.id}/finalize`, {
          token: alice,
        })
      ).status,
    ).toBe(200);

    const pending = randomBytes(partSize * 8);
    const t2 = await call<TransferView>({ url }, 'POST', '/api/transfers/upload', {
      token: alice,
      body: { recipients: ['bob@example.com'], size: pending.length, partSize },
    });
    const uploads = Array.from({ length: 7 }, (_, i) =>
      putPart(
        { url },
        alice,
        t2.body.id,
        i + 1,
        pending.subarray(i * partSize, (i + 1) * partSize),
      ).catch(() => null),
    );
    // Part 8 is mid-flight for certain when the process dies: half its bytes are on the wire.
    const last = pending.subarray(7 * partSize);
    const inFlight = request(`${url}/api/transfers/upload/${t2.body.id}/parts/8`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${alice}`,
        'content-type': 'application/octet-stream',
        'content-length': String(last.length),
        'x-datacrypt-sha256': sha256(last),
      },
    });
    inFlight.on('error', () => undefined);
    await new Promise<void>((resolve) =>
      inFlight.write(last.subarray(0, partSize / 2), () => {
        resolve();
      }),
    );
    await uploads[0];
    child?.kill('SIGKILL');
    await Promise.all(uploads);
    await new Promise((r) => {
      if (child?.exitCode !== null || child.signalCode !== null) r(null);
      else child.once('exit', r);
    });

    url = await start();
    // Sessions survive: the signing secret was persisted in the data dir.
    expect((await downloadAll(url, bob, t1.body.id)).equals(done)).toBe(true);

    const parts = await call<PartsResponse>(
      { url },
      'GET',
      `/api/transfers/upload/${t2.body.id}/parts`,
      { token: alice },
    );
    expect(parts.status).toBe(200);
    const stored = new Set(parts.body.parts.map((p) => p.n));
    expect(stored.has(8)).toBe(false);
    for (const p of parts.body.parts) {
      expect(p.sha256).toBe(sha256(pending.subarray((p.n - 1) * partSize, p.n * partSize)));
    }
    for (let n = 1; n <= 8; n++) {
      if (!stored.has(n)) {
        const r = await putPart(
          { url },
          alice,
          t2.body.id,
          n,
          pending.subarray((n - 1) * partSize, n * partSize),
        );
        expect(r.status).toBe(200);
      }
    }
    expect(
      (
        await call({ url }, 'POST', `/api/transfers/upload/${t2.body.id}/finalize`, {
          token: alice,
        })
      ).status,
    ).toBe(200);
    expect((await downloadAll(url, bob, t2.body.id)).equals(pending)).toBe(true);
  });
});
