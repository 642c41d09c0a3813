import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Routes, type TransferView } from '../src/contract/index.js';
import {
  call,
  makeUser,
  PASSWORD,
  startRelay,
  type TestRelay,
  type TestUser,
} from './helpers/relay.js';
import { putPart, sendTransfer, sha256 } from './helpers/upload.js';

let relay: TestRelay;
let sender: TestUser;
let recipient: TestUser;
let stranger: TestUser;
let admin: TestUser;
const logLines: string[] = [];

beforeAll(async () => {
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  relay = await startRelay(
    { DATACRYPT_ADMIN_EMAILS: 'admin@example.com', DATACRYPT_LOG_LEVEL: 'info' },
    { logStream },
  );
  sender = await makeUser(relay, 'sender@example.com');
  recipient = await makeUser(relay, 'recipient@example.com');
  stranger = await makeUser(relay, 'stranger@example.com');
  admin = await makeUser(relay, 'admin@example.com');
});
afterAll(async () => {
  await relay.close();
});

type Actor = 'sender' | 'recipient' | 'stranger' | 'admin' | 'anon';
interface Case {
  route: keyof typeof Routes;
  method: string;
  path: (id: string) => string;
  body?: unknown;
  part?: Buffer;
  /** Transfer state the route is exercised on. */
  on: 'uploading' | 'ready' | 'none';
  /** Status per actor; actors are tried in this order, so mutating successes go last. */
  expect: Partial<Record<Actor, number>>;
}

const part = Buffer.alloc(100, 5);
const cases: Case[] = [
  {
    route: 'listParts',
    method: 'GET',
    path: (id) => `/api/transfers/upload/${id}/parts`,
    on: 'uploading',
    expect: { anon: 401, stranger: 404, admin: 404, recipient: 404, sender: 200 },
  },
  {
    route: 'uploadPart',
    method: 'PUT',
    path: (id) => `/api/transfers/upload/${id}/parts/1`,
    part,
    on: 'uploading',
    expect: { anon: 401, stranger: 404, admin: 404, recipient: 404, sender: 200 },
  },
  {
    route: 'finalize',
    method: 'POST',
    path: (id) => `/api/transfers/upload/${id}/finalize`,
    on: 'uploading',
    expect: { anon: 401, stranger: 404, admin: 404, recipient: 404, sender: 200 },
  },
  {
    route: 'transfer',
    method: 'GET',
    path: (id) => `/api/transfers/${id}`,
    on: 'ready',
    expect: { anon: 401, stranger: 404, admin: 404, recipient: 200, sender: 200 },
  },
  {
    route: 'download',
    method: 'GET',
    path: (id) => `/api/transfers/file/${id}`,
    on: 'ready',
    expect: { anon: 401, stranger: 404, admin: 404, sender: 200, recipient: 200 },
  },
  {
    route: 'receipt',
    method: 'POST',
    path: (id) => `/api/transfers/${id}/receipt`,
    body: { signature: 'abc' },
    on: 'ready',
    expect: { anon: 401, stranger: 404, admin: 404, sender: 403, recipient: 204 },
  },
  {
    route: 'hide',
    method: 'POST',
    path: (id) => `/api/transfers/${id}/hide`,
    on: 'ready',
    expect: { anon: 401, stranger: 404, admin: 404, sender: 403, recipient: 204 },
  },
  {
    route: 'createTransfer',
    method: 'POST',
    path: () => '/api/transfers/upload',
    body: { recipients: ['recipient@example.com'], size: 10 },
    on: 'none',
    expect: { anon: 401, sender: 201 },
  },
  {
    route: 'inbox',
    method: 'GET',
    path: () => '/api/transfers/inbox',
    on: 'none',
    expect: { anon: 401, stranger: 200 },
  },
  {
    route: 'sent',
    method: 'GET',
    path: () => '/api/transfers/sent',
    on: 'none',
    expect: { anon: 401, stranger: 200 },
  },
  {
    route: 'audit',
    method: 'GET',
    path: () => '/api/audit',
    on: 'none',
    expect: { anon: 401, stranger: 200 },
  },
  {
    route: 'me',
    method: 'GET',
    path: () => '/api/auth/me',
    on: 'none',
    expect: { anon: 401, stranger: 200 },
  },
  {
    route: 'publicKey',
    method: 'GET',
    path: () => '/api/users/public-key/sender@example.com',
    on: 'none',
    expect: { anon: 401, stranger: 200 },
  },
  {
    route: 'publishKey',
    method: 'PUT',
    path: () => '/api/users/public-key',
    body: { v: 1, email: 'x@example.com', publicIdentity: 'x', createdAt: 1, signature: 'x' },
    on: 'none',
    expect: { anon: 401 },
  },
  {
    route: 'invite',
    method: 'POST',
    path: () => '/api/invite/send',
    body: { email: 'friend@example.com' },
    on: 'none',
    expect: { anon: 401, stranger: 202 },
  },
  {
    route: 'adminUsers',
    method: 'GET',
    path: () => '/api/admin/users',
    on: 'none',
    expect: { anon: 401, stranger: 403, sender: 403, admin: 200 },
  },
  {
    route: 'password',
    method: 'POST',
    path: () => '/api/auth/password',
    body: { currentPassword: 'x', newPassword: 'y'.repeat(12) },
    on: 'none',
    expect: { anon: 401 },
  },
  {
    route: 'totpSetup',
    method: 'POST',
    path: () => '/api/auth/2fa/setup',
    on: 'none',
    expect: { anon: 401 },
  },
  {
    route: 'totpEnable',
    method: 'POST',
    path: () => '/api/auth/2fa/enable',
    body: { code: '123456' },
    on: 'none',
    expect: { anon: 401 },
  },
  {
    route: 'totpDisable',
    method: 'POST',
    path: () => '/api/auth/2fa/disable',
    body: { password: 'x', code: '123456' },
    on: 'none',
    expect: { anon: 401 },
  },
  {
    route: 'logout',
    method: 'POST',
    path: () => '/api/auth/logout',
    on: 'none',
    expect: { anon: 401 },
  },
  {
    route: 'events',
    method: 'GET',
    path: () => '/api/events',
    on: 'none',
    expect: { anon: 401, stranger: 200 },
  },
  {
    route: 'notifications',
    method: 'GET',
    path: () => '/api/account/notifications',
    on: 'none',
    expect: { anon: 401, stranger: 200 },
  },
  {
    route: 'notifications',
    method: 'PUT',
    path: () => '/api/account/notifications',
    body: { emailOnNewTransfer: true },
    on: 'none',
    expect: { anon: 401, stranger: 200 },
  },
];
// Deletion is tested separately (it destroys the fixture); these are public by design.
const publicRoutes = ['register', 'verifyOtp', 'sendOtp', 'login', 'loginTotp', 'refresh'];

describe('authorization matrix', () => {
  it('covers every route of the contract', () => {
    const covered = new Set([...cases.map((c) => c.route), ...publicRoutes, 'transfer']);
    for (const name of Object.keys(Routes)) expect(covered).toContain(name);
  });

  for (const c of cases) {
    it(`${c.method} ${Routes[c.route]}`, async () => {
      let id = 'none';
      if (c.on === 'uploading') {
        const created = await call<TransferView>(relay, 'POST', '/api/transfers/upload', {
          token: sender.access,
          body: { recipients: [recipient.email], size: 100, partSize: 1024 },
        });
        id = created.body.id;
        if (c.route === 'finalize') await putPart(relay, sender.access, id, 1, part);
      } else if (c.on === 'ready') {
        id = (await sendTransfer(relay, sender, [recipient.email])).view.id;
        if (c.route === 'receipt') {
          await fetch(`${relay.url}/api/transfers/file/${id}`, {
            headers: { authorization: `Bearer ${recipient.access}` },
          }).then((r) => r.arrayBuffer());
        }
      }
      const users: Record<Exclude<Actor, 'anon'>, TestUser> = {
        sender,
        recipient,
        stranger,
        admin,
      };
      for (const [actor, status] of Object.entries(c.expect) as [Actor, number][]) {
        const token = actor === 'anon' ? undefined : users[actor].access;
        let got: number;
        if (c.part !== undefined) {
          const res = await fetch(relay.url + c.path(id), {
            method: c.method,
            headers: {
              ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
              'content-type': 'application/octet-stream',
              'x-datacrypt-sha256': sha256(c.part),
            },
            body: c.part,
          });
          await res.arrayBuffer();
          got = res.status;
        } else {
          got = (
            await call(relay, c.method, c.path(id), {
              ...(token !== undefined ? { token } : {}),
              body: c.body,
            })
          ).status;
        }
        expect({ actor, status: got }).toEqual({ actor, status });
      }
    });
  }

  it('DELETE /api/transfers/:transferId: only the sender', async () => {
    const id = (await sendTransfer(relay, sender, [recipient.email])).view.id;
    for (const [token, status] of [
      [undefined, 401],
      [stranger.access, 404],
      [admin.access, 404],
      [recipient.access, 403],
      [sender.access, 204],
      // Revoked: its own users learn so (410 E_REVOKED); everyone else still sees nothing.
      [sender.access, 410],
      [recipient.access, 410],
      [stranger.access, 404],
      [admin.access, 404],
    ] as const) {
      expect(
        (await call(relay, 'DELETE', `/api/transfers/${id}`, token ? { token } : {})).status,
      ).toBe(status);
    }
  });
});

describe('per-user routes', () => {
  it('show each user only their own transfers, events and audit entries', async () => {
    const id = (await sendTransfer(relay, sender, [recipient.email])).view.id;
    await fetch(`${relay.url}/api/transfers/file/${id}`, {
      headers: { authorization: `Bearer ${recipient.access}` },
    }).then((r) => r.arrayBuffer());
    const paths = ['/api/transfers/inbox', '/api/transfers/sent', '/api/audit', '/api/events'];
    const mentions = async (u: TestUser, path: string) => {
      const r = await call(relay, 'GET', path, { token: u.access });
      expect(r.status).toBe(200);
      return JSON.stringify(r.body).includes(id);
    };
    // Positive controls: the parties do see it where they should.
    expect(await mentions(recipient, '/api/transfers/inbox')).toBe(true);
    expect(await mentions(recipient, '/api/events')).toBe(true);
    expect(await mentions(sender, '/api/transfers/sent')).toBe(true);
    expect(await mentions(sender, '/api/audit')).toBe(true);
    // The admin role grants no view of other users' transfers.
    for (const u of [stranger, admin]) {
      for (const path of paths)
        expect({ path, seen: await mentions(u, path) }).toEqual({ path, seen: false });
    }
    expect(await mentions(sender, '/api/transfers/inbox')).toBe(false);
    expect(await mentions(recipient, '/api/transfers/sent')).toBe(false);
    expect((await call(relay, 'GET', '/api/admin/users', { token: recipient.access })).status).toBe(
      403,
    );
  });
});

describe('tokens', () => {
  const base = () => sender.access.split('.') as [string, string, string];

  it('rejects a tampered token', async () => {
    const [h, p, s] = base();
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    const r = await call(relay, 'GET', '/api/auth/me', { token: `${h}.${forged}.${s}` });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ error: { code: 'E_AUTH_INVALID' } });
  });

  it('rejects alg: none', async () => {
    const [, p] = base();
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    expect((await call(relay, 'GET', '/api/auth/me', { token: `${header}.${p}.` })).status).toBe(
      401,
    );
  });

  it('rejects RS256 tokens and HS256 tokens keyed with an RSA public key', async () => {
    const [, p] = base();
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rs = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    expect((await call(relay, 'GET', '/api/auth/me', { token: rs })).status).toBe(401);
    const pem = publicKey.export({ type: 'spki', format: 'pem' });
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(pem.toString()));
    expect((await call(relay, 'GET', '/api/auth/me', { token: hs })).status).toBe(401);
  });

  it('rejects an expired token signed with the real key', async () => {
    const account = await relay.app.container.accounts.byEmail(sender.email);
    const [, p] = base();
    const { sid } = JSON.parse(Buffer.from(p, 'base64url').toString()) as { sid: string };
    const old = await relay.app.container.jwt.signAccess(
      { sub: account?.id ?? '', role: 'user', sid },
      Date.now() - 3600_000,
    );
    expect((await call(relay, 'GET', '/api/auth/me', { token: old.token })).status).toBe(401);
    const fresh = await relay.app.container.jwt.signAccess(
      { sub: account?.id ?? '', role: 'user', sid },
      Date.now(),
    );
    expect((await call(relay, 'GET', '/api/auth/me', { token: fresh.token })).status).toBe(200);
  });

  it('answers a missing token with E_AUTH_REQUIRED and junk with E_AUTH_INVALID', async () => {
    expect((await call(relay, 'GET', '/api/auth/me')).body).toMatchObject({
      error: { code: 'E_AUTH_REQUIRED' },
    });
    const junk = await call(relay, 'GET', '/api/auth/me', {
      headers: { authorization: 'Basic Zm9vOmJhcg==' },
    });
    expect(junk.body).toMatchObject({ error: { code: 'E_AUTH_INVALID' } });
  });
});

describe('hostile bodies', () => {
  it('rejects NoSQL-operator-shaped values and unknown fields', async () => {
    for (const body of [
      { email: { $gt: '' }, password: { $gt: '' } },
      { email: 'sender@example.com', password: { $ne: null } },
      { email: 'sender@example.com', password: PASSWORD, role: 'admin' },
    ]) {
      const r = await call(relay, 'POST', '/api/auth/login', { body });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ error: { code: 'E_VALIDATION' } });
    }
    const proto = await call(relay, 'POST', '/api/auth/register', {
      body: '{"email":"p@example.com","password":"long enough pw","__proto__":{"role":"admin"}}',
    });
    expect(proto.status).toBe(400);
  });

  it('rejects oversized bodies, bad JSON and wrong content types with coded errors', async () => {
    const big = await call(relay, 'POST', '/api/auth/login', {
      body: { email: 'a@example.com', password: 'x'.repeat(100_000) },
    });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ error: { code: 'E_BODY_TOO_LARGE' } });
    const bad = await call(relay, 'POST', '/api/auth/login', { body: '{"email":' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'E_BAD_JSON' } });
    const text = await call(relay, 'POST', '/api/auth/login', {
      body: 'email=a@example.com',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.body).toMatchObject({ error: { code: 'E_UNSUPPORTED_MEDIA_TYPE' } });
    expect(text.body).toMatchObject({ error: { code: 'E_UNSUPPORTED_MEDIA_TYPE' } });
    const created = await call<TransferView>(relay, 'POST', '/api/transfers/upload', {
      token: sender.access,
      body: { recipients: [recipient.email], size: 10, partSize: 1024 },
    });
    const jsonPart = await call(relay, 'PUT', `/api/transfers/upload/${created.body.id}/parts/1`, {
      token: sender.access,
      body: { data: 'x' },
      headers: { 'x-datacrypt-sha256': '0'.repeat(64) },
    });
    expect(jsonPart.body).toMatchObject({ error: { code: 'E_UNSUPPORTED_MEDIA_TYPE' } });
  });

  it('rejects path traversal in ids, and huge, zero or negative part numbers', async () => {
    const created = await call<TransferView>(relay, 'POST', '/api/transfers/upload', {
      token: sender.access,
      body: { recipients: [recipient.email], size: 10, partSize: 1024 },
    });
    for (const path of [
      '/api/transfers/..%2F..%2Fserver-secret',
      '/api/transfers/file/..%2F..%2F..%2Fetc%2Fpasswd',
      '/api/transfers/file/....................',
      '/api/users/public-key/..%2F..%2Fserver-secret',
      '/api/users/public-key/%2E%2E',
      `/api/transfers/upload/${created.body.id}/parts/99999999999`,
      `/api/transfers/upload/${created.body.id}/parts/0`,
      `/api/transfers/upload/${created.body.id}/parts/-1`,
      `/api/transfers/upload/${created.body.id}/parts/1.5`,
    ]) {
      const r = await call(relay, path.includes('parts') ? 'GET' : 'GET', path, {
        token: sender.access,
      });
      expect([400, 404]).toContain(r.status);
    }
    for (const n of ['99999999999', '0', '-1', '1e3', '1.5']) {
      const res = await fetch(`${relay.url}/api/transfers/upload/${created.body.id}/parts/${n}`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${sender.access}`,
          'content-type': 'application/octet-stream',
          'x-datacrypt-sha256': '0'.repeat(64),
        },
        body: Buffer.alloc(10),
      });
      expect(res.status).toBe(400);
    }
    const two = await fetch(`${relay.url}/api/transfers/upload/${created.body.id}/parts/2`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${sender.access}`,
        'content-type': 'application/octet-stream',
        'x-datacrypt-sha256': '0'.repeat(64),
      },
      body: Buffer.alloc(10),
    });
    expect(await two.json()).toMatchObject({ error: { code: 'E_PART_NUMBER' } });
  });

  it('rejects negative, fractional, string and absurd sizes', async () => {
    for (const size of [-1, 0, 1.5, '10', 2 ** 60]) {
      const r = await call(relay, 'POST', '/api/transfers/upload', {
        token: sender.access,
        body: { recipients: [recipient.email], size },
      });
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
  });

  it('rejects Unicode look-alikes, controls and overlong addresses instead of folding them', async () => {
    for (const email of [
      '\u212Aelvin@example.com', // Kelvin sign lowercases to "k"
      'ｓender@example.com', // fullwidth
      'sender@exämple.com',
      'sen\u0000der@example.com',
      'sender@example.com\u202E',
      ' sender@example.com',
      `${'a'.repeat(65)}@example.com`,
      `a@${'b'.repeat(250)}.com`,
      'sender@@example.com',
    ]) {
      const r = await call(relay, 'POST', '/api/auth/register', {
        body: { email, password: PASSWORD },
      });
      expect({ email, status: r.status }).toEqual({ email, status: 400 });
    }
    expect(await relay.app.container.accounts.list(1000, 0)).toHaveLength(4);
  });
});

describe('logging', () => {
  it('redacts passwords, tokens, codes and authorization headers', async () => {
    relay.app.log.info(
      {
        password: 'hunter2-password',
        body: { refreshToken: 'refresh-secret-value', code: '424242' },
        req: { headers: { authorization: 'Bearer secret-bearer-value' } },
      },
      'redaction probe',
    );
    await call(relay, 'POST', '/api/auth/login', {
      body: { email: sender.email, password: 'wrong-password-in-log?' },
      headers: { authorization: 'Bearer secret-bearer-value' },
    });
    const all = logLines.join('');
    expect(all).toContain('redaction probe');
    for (const secret of [
      'hunter2-password',
      'refresh-secret-value',
      '424242',
      'secret-bearer-value',
      'wrong-password-in-log?',
    ]) {
      expect(all).not.toContain(secret);
    }
  });
});

describe('brute force', () => {
  let limited: TestRelay;
  beforeAll(async () => {
    limited = await startRelay({
      DATACRYPT_LOGIN_FAILURES_BEFORE_LOCK: '3',
      DATACRYPT_AUTH_RATE_LIMIT_PER_MINUTE: '12',
    });
    await makeUser(limited, 'victim@example.com', { publishKey: false });
  });
  afterAll(async () => {
    await limited.close();
  });

  it('locks an address after repeated failures, the same for unknown addresses', async () => {
    for (const email of ['victim@example.com', 'unknown@example.com']) {
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof call>> | undefined;
      for (let i = 0; i < 4; i++) {
        last = await call(limited, 'POST', '/api/auth/login', {
          body: { email, password: 'bad password' },
        });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
      expect(last?.body).toMatchObject({ error: { code: 'E_TOO_MANY_ATTEMPTS' } });
      expect(last?.headers.get('retry-after')).toBe('900');
    }
    // Even the right password is refused while locked.
    const right = await call(limited, 'POST', '/api/auth/login', {
      body: { email: 'victim@example.com', password: PASSWORD },
    });
    expect(right.status).toBe(429);
  });

  it('rate-limits auth routes per client with 429 and rate-limit headers', async () => {
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 9; i++) {
      last = await call(limited, 'POST', '/api/auth/send-otp', {
        body: { email: `x${i}@example.com` },
      });
    }
    const lastEmail = await call(limited, 'POST', '/api/auth/verify-otp', {
      body: { email: 'victim@example.com', code: '000000' },
    });
    expect(lastEmail.status).not.toBe(429);
    for (let i = 0; i < 12; i++) {
      last = await call(limited, 'POST', '/api/auth/verify-otp', {
        body: { email: 'victim@example.com', code: '000000' },
      });
    }
    expect(last?.status).toBe(429);
    expect(last?.body).toMatchObject({ error: { code: 'E_RATE_LIMITED' } });
    expect(last?.headers.get('retry-after')).not.toBeNull();
    expect(last?.headers.get('x-ratelimit-limit')).toBe('12');
    expect(last?.headers.get('x-ratelimit-remaining')).toBe('0');
  });
});
