import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponse, TokenPair, TransferView } from '../src/contract/index.js';
import { sweep } from '../src/services/sweeper.js';
import { barrier, GatedBlobStore, slowPut } from './helpers/gates.js';
import { call, makeUser, PASSWORD, startRelay, type TestRelay } from './helpers/relay.js';
import { startS3rver } from './helpers/s3rver.js';
import { sendTransfer, sha256 } from './helpers/upload.js';

async function listFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true, recursive: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

const statuses = (results: { status: number }[]) => results.map((r) => r.status).sort();

type S3 = Awaited<ReturnType<typeof startS3rver>>;

describe.each(['disk', 's3'] as const)('revoking a transfer during a part upload (%s)', (kind) => {
  let s3: S3 | undefined;
  let relay: TestRelay;
  let gated: GatedBlobStore;
  beforeAll(async () => {
    s3 = kind === 's3' ? await startS3rver(`race-${Date.now()}`) : undefined;
    relay = await startRelay(s3?.env ?? {});
    gated = new GatedBlobStore(relay.app.container.blobs);
    relay.app.container.blobs = gated;
  });
  afterAll(async () => {
    await relay.close();
    await s3?.close();
  });

  /**
   * Nothing of the transfer may remain but its tombstone (410 E_REVOKED until expiry): no part,
   * no file, no object, nothing to sweep.
   */
  async function expectNothingLeft(id: string) {
    const c = relay.app.container;
    expect(await c.transfers.get(id)).toMatchObject({
      deleting: false,
      revokedAt: expect.any(Number) as number,
    });
    expect(await c.transfers.parts(id)).toEqual([]);
    // Disk: part files and temporaries; S3: the local spool.
    expect(await listFiles(join(relay.dir, 'blobs'))).toEqual([]);
    expect(await listFiles(join(relay.dir, 'spool'))).toEqual([]);
    if (s3 !== undefined) {
      const client = new S3Client({
        ...s3.config,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      try {
        const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.config.bucket }));
        expect(listed.Contents ?? []).toEqual([]);
      } finally {
        client.destroy();
      }
    }
    expect(await sweep(c, relay.app.log)).toBe(0);
  }

  async function newUpload(sender: { access: string }, recipient: string, size: number) {
    const created = await call<TransferView>(relay, 'POST', '/api/transfers/upload', {
      token: sender.access,
      body: { recipients: [recipient], size, partSize: size },
    });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  it('answers the in-flight part 410 E_REVOKED when the revoke lands mid-body, and leaves nothing', async () => {
    const alice = await makeUser(relay, `alice-mid-${kind}@example.com`);
    const bob = await makeUser(relay, `bob-mid-${kind}@example.com`);
    const data = randomBytes(200_000);
    const id = await newUpload(alice, bob.email, data.length);
    gated.reset();
    const put = slowPut(relay, alice.access, id, 1, data);
    await put.write(data.subarray(0, 100_000));
    // The real store is consuming this very body now.
    await gated.streaming.promise;
    const revoke = await call(relay, 'DELETE', `/api/transfers/${id}`, { token: alice.access });
    expect(revoke.status).toBe(204);
    await put.write(data.subarray(100_000));
    put.end();
    const res = await put.response;
    expect(res).toEqual({
      status: 410,
      body: { error: { code: 'E_REVOKED', message: expect.any(String) as string } },
    });
    await expectNothingLeft(id);
  });

  it('answers 410 E_REVOKED and deletes the part when the revoke completes before the store writes it', async () => {
    const alice = await makeUser(relay, `alice-early-${kind}@example.com`);
    const bob = await makeUser(relay, `bob-early-${kind}@example.com`);
    const data = randomBytes(50_000);
    const id = await newUpload(alice, bob.email, data.length);
    gated.reset();
    let release!: () => void;
    gated.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      const put = slowPut(relay, alice.access, id, 1, data);
      await put.write(data);
      put.end();
      await gated.called.promise;
      const revoke = await call(relay, 'DELETE', `/api/transfers/${id}`, { token: alice.access });
      expect(revoke.status).toBe(204);
      release();
      const res = await put.response;
      expect(res.status).toBe(410);
      expect(res.body).toMatchObject({ error: { code: 'E_REVOKED' } });
    } finally {
      gated.hold = null;
    }
    await expectNothingLeft(id);
  });

  it('answers finalize 410 E_REVOKED and deletes the object when a revoke overtakes the completion', async () => {
    const alice = await makeUser(relay, `alice-fin-${kind}@example.com`);
    const bob = await makeUser(relay, `bob-fin-${kind}@example.com`);
    const data = randomBytes(20_000);
    const id = await newUpload(alice, bob.email, data.length);
    gated.reset();
    const put = slowPut(relay, alice.access, id, 1, data);
    await put.write(data);
    put.end();
    expect((await put.response).status).toBe(200);
    let release!: () => void;
    gated.holdComplete = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      const finalize = call(relay, 'POST', `/api/transfers/upload/${id}/finalize`, {
        token: alice.access,
      });
      await gated.completeCalled.promise;
      const revoke = await call(relay, 'DELETE', `/api/transfers/${id}`, { token: alice.access });
      expect(revoke.status).toBe(204);
      release();
      const res = await finalize;
      expect(res.status).toBe(410);
      expect(res.body).toMatchObject({ error: { code: 'E_REVOKED' } });
    } finally {
      gated.holdComplete = null;
    }
    await expectNothingLeft(id);
  });
});

describe('concurrent uses of one-time secrets and limits', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startRelay();
  });
  afterAll(async () => {
    await relay.close();
  });

  async function totpUser(email: string) {
    const u = await makeUser(relay, email, { publishKey: false });
    const setup = await call<{ secret: string }>(relay, 'POST', '/api/auth/2fa/setup', {
      token: u.access,
    });
    // Enrol with the previous step's code, so the current one is still unused.
    const previous = authenticator
      .clone({ epoch: Date.now() - 30_000 })
      .generate(setup.body.secret);
    const enable = await call<{ recoveryCodes: string[] }>(relay, 'POST', '/api/auth/2fa/enable', {
      token: u.access,
      body: { code: previous },
    });
    expect(enable.status).toBe(200);
    const login = await call<LoginResponse>(relay, 'POST', '/api/auth/login', {
      body: { email: u.email, password: PASSWORD },
    });
    if (login.body.status !== 'totp_required') throw new Error('expected a TOTP challenge');
    return {
      secret: setup.body.secret,
      challenge: login.body.challenge,
      recoveryCodes: enable.body.recoveryCodes,
    };
  }

  it('accepts one TOTP code for exactly one of two simultaneous logins', async () => {
    const { secret, challenge } = await totpUser('totp-race@example.com');
    const code = authenticator.generate(secret);
    // Both logins read the account (and its last used step) before either records the step.
    const restore = barrier(relay.app.container.accounts, 'byId', 2);
    let results;
    try {
      results = await Promise.all(
        [1, 2].map(() =>
          call(relay, 'POST', '/api/auth/login/totp', { body: { challenge, code } }),
        ),
      );
    } finally {
      restore();
    }
    expect(statuses(results)).toEqual([200, 401]);
    expect(results.find((r) => r.status === 401)?.body).toMatchObject({
      error: { code: 'E_TOTP_INVALID' },
    });
  });

  it('accepts one recovery code for exactly one of two simultaneous logins', async () => {
    const { challenge, recoveryCodes } = await totpUser('recovery-race@example.com');
    const recoveryCode = recoveryCodes[0] ?? '';
    const restore = barrier(relay.app.container.accounts, 'byId', 2);
    let results;
    try {
      results = await Promise.all(
        [1, 2].map(() =>
          call(relay, 'POST', '/api/auth/login/totp', { body: { challenge, recoveryCode } }),
        ),
      );
    } finally {
      restore();
    }
    expect(statuses(results)).toEqual([200, 401]);
  });

  it('counts simultaneous wrong verification codes, so a burst cannot outrun the 5-guess limit', async () => {
    const email = 'verify-race@example.com';
    await call(relay, 'POST', '/api/auth/register', { body: { email, password: PASSWORD } });
    const code = relay.mailer.lastCode(email);
    const wrong = code === '000000' ? '111111' : '000000';
    // All six guesses read the attempt counter before any of them counts itself.
    const restore = barrier(relay.app.container.accounts, 'byEmail', 6);
    let results;
    try {
      results = await Promise.all(
        Array.from({ length: 6 }, () =>
          call(relay, 'POST', '/api/auth/verify-otp', { body: { email, code: wrong } }),
        ),
      );
    } finally {
      restore();
    }
    expect(statuses(results)).toEqual([400, 400, 400, 400, 400, 400]);
    const right = await call(relay, 'POST', '/api/auth/verify-otp', { body: { email, code } });
    expect(right.status).toBe(400);
    expect(right.body).toMatchObject({ error: { code: 'E_CODE_INVALID' } });
  });

  it('lets only one of two simultaneous refreshes with the same token through, and revokes the family', async () => {
    const u = await makeUser(relay, 'refresh-race@example.com', { publishKey: false });
    const results = await Promise.all(
      [1, 2].map(() =>
        call<TokenPair>(relay, 'POST', '/api/auth/refresh', {
          body: { refreshToken: u.tokens.refreshToken },
        }),
      ),
    );
    expect(statuses(results)).toEqual([200, 401]);
    expect(results.find((r) => r.status === 401)?.body).toMatchObject({
      error: { code: 'E_REFRESH_REUSED' },
    });
    const winner = results.find((r) => r.status === 200)?.body;
    const next = await call(relay, 'POST', '/api/auth/refresh', {
      body: { refreshToken: winner?.refreshToken },
    });
    expect(next.status).toBe(401);
  });

  it('never lets simultaneous first-byte downloads exceed maxDownloads', async () => {
    const alice = await makeUser(relay, 'dl-alice@example.com');
    const bob = await makeUser(relay, 'dl-bob@example.com');
    const carol = await makeUser(relay, 'dl-carol@example.com');
    const { view } = await sendTransfer(relay, alice, [bob.email, carol.email], {
      maxDownloads: 1,
    });
    // Both downloads load the transfer (downloads = 0) before either counts itself.
    const restore = barrier(relay.app.container.transfers, 'get', 2);
    let results;
    try {
      results = await Promise.all(
        [bob, carol].map(async (u) => {
          const res = await fetch(`${relay.url}/api/transfers/file/${view.id}`, {
            headers: { authorization: `Bearer ${u.access}` },
          });
          await res.arrayBuffer();
          return { status: res.status };
        }),
      );
    } finally {
      restore();
    }
    expect(statuses(results)).toEqual([200, 410]);
    expect((await relay.app.container.transfers.get(view.id))?.downloads).toBe(1);
  });
});

describe('concurrent wrong guesses against the failure counters', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startRelay({ DATACRYPT_LOGIN_FAILURES_BEFORE_LOCK: '3' });
  });
  afterAll(async () => {
    await relay.close();
  });

  it('lets no more wrong passwords through than the login lock allows, however many arrive at once', async () => {
    const u = await makeUser(relay, 'burst@example.com', { publishKey: false });
    // All five logins look the account up (after the old counter read) before any is checked.
    const restore = barrier(relay.app.container.accounts, 'byEmail', 5);
    let results;
    try {
      results = await Promise.all(
        Array.from({ length: 5 }, () =>
          call(relay, 'POST', '/api/auth/login', {
            body: { email: u.email, password: 'wrong password, guessed' },
          }),
        ),
      );
    } finally {
      restore();
    }
    expect(statuses(results)).toEqual([401, 401, 401, 429, 429]);
    const right = await call(relay, 'POST', '/api/auth/login', {
      body: { email: u.email, password: PASSWORD },
    });
    expect(right.status).toBe(429);
  });

  it('lets no more wrong TOTP codes through than the TOTP lock allows, however many arrive at once', async () => {
    const u = await makeUser(relay, 'totp-burst@example.com', { publishKey: false });
    const setup = await call<{ secret: string }>(relay, 'POST', '/api/auth/2fa/setup', {
      token: u.access,
    });
    await call(relay, 'POST', '/api/auth/2fa/enable', {
      token: u.access,
      body: {
        code: authenticator.clone({ epoch: Date.now() - 30_000 }).generate(setup.body.secret),
      },
    });
    const login = await call<LoginResponse>(relay, 'POST', '/api/auth/login', {
      body: { email: u.email, password: PASSWORD },
    });
    if (login.body.status !== 'totp_required') throw new Error('expected a TOTP challenge');
    const challenge = login.body.challenge;
    const good = authenticator.generate(setup.body.secret);
    const bad = good === '000000' ? '111111' : '000000';
    const restore = barrier(relay.app.container.accounts, 'byId', 7);
    let results;
    try {
      results = await Promise.all(
        Array.from({ length: 7 }, () =>
          call(relay, 'POST', '/api/auth/login/totp', { body: { challenge, code: bad } }),
        ),
      );
    } finally {
      restore();
    }
    expect(statuses(results)).toEqual([401, 401, 401, 401, 401, 429, 429]);
    const right = await call(relay, 'POST', '/api/auth/login/totp', {
      body: { challenge, code: good },
    });
    expect(right.status).toBe(429);
  });
});

describe.each(['disk', 's3'] as const)('part writes while finalize runs (%s)', (kind) => {
  let s3: S3 | undefined;
  let relay: TestRelay;
  let gated: GatedBlobStore;
  beforeAll(async () => {
    s3 = kind === 's3' ? await startS3rver(`fin-${Date.now()}`) : undefined;
    relay = await startRelay(s3?.env ?? {});
    gated = new GatedBlobStore(relay.app.container.blobs);
    relay.app.container.blobs = gated;
  });
  afterAll(async () => {
    await relay.close();
    await s3?.close();
  });

  /** An upload of two 20 kB parts, all stored; returns its id and bytes. */
  async function storedUpload(tag: string) {
    const alice = await makeUser(relay, `alice-${tag}-${kind}@example.com`);
    const bob = await makeUser(relay, `bob-${tag}-${kind}@example.com`);
    const data = randomBytes(40_000);
    const created = await call<TransferView>(relay, 'POST', '/api/transfers/upload', {
      token: alice.access,
      body: { recipients: [bob.email], size: data.length, partSize: 20_000 },
    });
    const id = created.body.id;
    for (const n of [1, 2]) {
      gated.reset();
      const put = slowPut(relay, alice.access, id, n, data.subarray((n - 1) * 20_000, n * 20_000));
      await put.write(data.subarray((n - 1) * 20_000, n * 20_000));
      put.end();
      expect((await put.response).status).toBe(200);
    }
    return { alice, bob, id, data };
  }

  async function downloaded(token: string, id: string): Promise<Buffer> {
    const res = await fetch(`${relay.url}/api/transfers/file/${id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  }

  it('refuses a part upload with 409 E_TRANSFER_STATE once finalize has begun', async () => {
    const { alice, bob, id, data } = await storedUpload('closed');
    gated.reset();
    let release!: () => void;
    gated.holdComplete = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      const finalize = call(relay, 'POST', `/api/transfers/upload/${id}/finalize`, {
        token: alice.access,
      });
      await gated.completeCalled.promise;
      const other = randomBytes(20_000);
      const put = slowPut(relay, alice.access, id, 1, other);
      await put.write(other);
      put.end();
      const res = await put.response;
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ error: { code: 'E_TRANSFER_STATE' } });
      release();
      expect((await finalize).status).toBe(200);
    } finally {
      gated.holdComplete = null;
    }
    expect((await downloaded(bob.access, id)).equals(data)).toBe(true);
  });

  it('answers two simultaneous finalizes alike and announces the transfer once', async () => {
    const { alice, bob, id, data } = await storedUpload('twice');
    const announced: string[] = [];
    const off = relay.app.container.bus.on('transfer:new', (e) => {
      announced.push(e.transferId);
    });
    try {
      const results = await Promise.all(
        [1, 2].map(() =>
          call<TransferView>(relay, 'POST', `/api/transfers/upload/${id}/finalize`, {
            token: alice.access,
          }),
        ),
      );
      expect(results.map((r) => [r.status, r.body.status])).toEqual([
        [200, 'ready'],
        [200, 'ready'],
      ]);
    } finally {
      off();
    }
    expect(announced.filter((x) => x === id)).toHaveLength(1);
    expect((await downloaded(bob.access, id)).equals(data)).toBe(true);
  });

  // On disk a part upload lands as its own version; on S3 it reaches the bucket only after its
  // body is spooled and checked, and the completed upload takes no more parts.
  it('never lets a re-upload that began before finalize change a byte of the finalized transfer', async () => {
    const { alice, bob, id, data } = await storedUpload('overlap');
    const other = randomBytes(20_000);
    gated.reset();
    // The re-upload of part 1 with other bytes is streaming into the store...
    const put = slowPut(relay, alice.access, id, 1, other);
    await put.write(other.subarray(0, 10_000));
    await gated.streaming.promise;
    // ...when finalize runs to the end, using the part recorded before it began.
    const fin = await call<TransferView>(relay, 'POST', `/api/transfers/upload/${id}/finalize`, {
      token: alice.access,
    });
    expect(fin.status).toBe(200);
    await put.write(other.subarray(10_000));
    put.end();
    const res = await put.response;
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'E_TRANSFER_STATE' } });
    expect((await downloaded(bob.access, id)).equals(data)).toBe(true);
    if (kind === 'disk') {
      // Exactly the two finalized parts remain: the losing version was dropped.
      const files = await listFiles(join(relay.dir, 'blobs', id.slice(0, 2), id));
      expect(files.map((f) => f.slice(f.lastIndexOf('/') + 1)).sort()).toEqual(['1', '2']);
    }
    const parts = await relay.app.container.transfers.parts(id);
    expect(parts.map((p) => p.sha256)).toEqual([
      sha256(data.subarray(0, 20_000)),
      sha256(data.subarray(20_000)),
    ]);
  });
});
