import { spawnSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenPair } from '../src/contract/index.js';
import { call, makeUser, PASSWORD, startRelay, type TestRelay } from './helpers/relay.js';
import { connectError, connectSocket } from './helpers/realtime.js';
import { MAIN } from './helpers/relay-process.js';
import { sendTransfer } from './helpers/upload.js';

/** Runs the real `datacrypt-relay admin …` (dist/main.js) against the relay's data dir. */
function admin(relay: TestRelay, args: string[], stdin?: string) {
  const run = spawnSync(process.execPath, [MAIN, 'admin', ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      DATACRYPT_DATA_DIR: relay.dir,
      DATACRYPT_LOG_LEVEL: 'warn',
    },
    input: stdin ?? '',
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

interface Listed {
  email: string;
  role: string;
  verified: boolean;
  disabled: boolean;
  usedBytes: number;
}

const listed = (relay: TestRelay): Listed[] =>
  admin(relay, ['users', '--json'])
    .out.trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Listed);

// Every command is its own process (a second or more each on a busy machine).
describe('datacrypt-relay admin', { timeout: 180_000 }, () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startRelay();
  });
  afterAll(async () => {
    await relay.close();
  });

  it('create-admin makes a verified admin that can log in and use admin routes', async () => {
    const made = admin(
      relay,
      ['create-admin', 'Root@Example.com', '--password-stdin'],
      'root-password-1\n',
    );
    expect(made).toMatchObject({ code: 0 });
    expect(made.out).toContain('created administrator');
    expect(made.out).not.toContain('root-password-1');
    const login = await call<TokenPair>(relay, 'POST', '/api/auth/login', {
      body: { email: 'root@example.com', password: 'root-password-1' },
    });
    expect(login.status).toBe(200);
    const users = await call(relay, 'GET', '/api/admin/users', { token: login.body.accessToken });
    expect(users.status).toBe(200);

    // Without a password on stdin one is generated and shown once.
    const generated = admin(relay, ['create-admin', 'ops@example.com']);
    expect(generated.code).toBe(0);
    const password = /password \(shown once[^)]*\): (\S+)/.exec(generated.out)?.[1] ?? '';
    expect(password.length).toBeGreaterThanOrEqual(20);
    const opsLogin = await call(relay, 'POST', '/api/auth/login', {
      body: { email: 'ops@example.com', password },
    });
    expect(opsLogin.status).toBe(200);
  });

  it('create-admin promotes an existing user', async () => {
    const carol = await makeUser(relay, 'carol@example.com');
    expect((await call(relay, 'GET', '/api/admin/users', { token: carol.access })).status).toBe(
      403,
    );
    const promoted = admin(relay, ['create-admin', 'carol@example.com']);
    expect(promoted).toMatchObject({ code: 0 });
    expect(promoted.out).toContain('carol@example.com is now an administrator');
    expect(promoted.out).not.toContain('password');
    expect((await call(relay, 'GET', '/api/admin/users', { token: carol.access })).status).toBe(
      200,
    );
  });

  it('users lists every account with role, state and storage use', async () => {
    const alice = await makeUser(relay, 'alice@example.com');
    await makeUser(relay, 'bob@example.com');
    await sendTransfer(relay, alice, ['bob@example.com'], { size: 12_345, partSize: 4096 });
    const users = listed(relay);
    expect(users.find((u) => u.email === 'alice@example.com')).toMatchObject({
      role: 'user',
      verified: true,
      disabled: false,
      usedBytes: 12_345,
    });
    expect(users.find((u) => u.email === 'root@example.com')).toMatchObject({ role: 'admin' });
    const table = admin(relay, ['users']);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^EMAIL\s+ROLE\s+VERIFIED\s+DISABLED\s+USED\s+CREATED/);
    expect(table.out).toMatch(/alice@example\.com\s+user\s+yes\s+no\s+12\.1 KiB/);
  });

  it('disable ends every session and blocks login; enable restores the old password', async () => {
    const dave = await makeUser(relay, 'dave@example.com');
    expect((await call(relay, 'GET', '/api/transfers/inbox', { token: dave.access })).status).toBe(
      200,
    );
    const disabled = admin(relay, ['disable', 'dave@example.com']);
    expect(disabled).toMatchObject({ code: 0 });
    expect((await call(relay, 'GET', '/api/transfers/inbox', { token: dave.access })).status).toBe(
      401,
    );
    const refresh = await call(relay, 'POST', '/api/auth/refresh', {
      body: { refreshToken: dave.tokens.refreshToken },
    });
    expect(refresh.status).toBe(401);
    const login = await call(relay, 'POST', '/api/auth/login', {
      body: { email: 'dave@example.com', password: PASSWORD },
    });
    expect(login.status).toBe(401);
    expect(listed(relay).find((u) => u.email === 'dave@example.com')?.disabled).toBe(true);
    expect(admin(relay, ['disable', 'dave@example.com']).out).toContain('already disabled');

    expect(admin(relay, ['enable', 'dave@example.com'])).toMatchObject({ code: 0 });
    const again = await call(relay, 'POST', '/api/auth/login', {
      body: { email: 'dave@example.com', password: PASSWORD },
    });
    expect(again.status).toBe(200);
  });

  it('purge-expired deletes expired transfers and their ciphertext now', async () => {
    const erin = await makeUser(relay, 'erin@example.com');
    const frank = await makeUser(relay, 'frank@example.com');
    // Created "two hours ago" with a one-minute expiry: expired by the wall clock the CLI uses.
    relay.clock.offsetMs = -2 * 60 * 60 * 1000;
    const { view: old } = await sendTransfer(relay, erin, [frank.email], { expiresInSeconds: 60 });
    relay.clock.offsetMs = 0;
    const { view: live } = await sendTransfer(relay, erin, [frank.email]);
    const blobDirs = async () => readdir(join(relay.dir, 'blobs', old.id.slice(0, 2)));
    expect(await blobDirs()).toContain(old.id);

    const purged = admin(relay, ['purge-expired']);
    expect(purged).toMatchObject({ code: 0 });
    expect(purged.out).toMatch(/removed 1 transfer\(s\)/);
    expect(await blobDirs().catch(() => [])).not.toContain(old.id);
    expect(
      (await call(relay, 'GET', `/api/transfers/${old.id}`, { token: erin.access })).status,
    ).toBe(404);
    expect(
      (await call(relay, 'GET', `/api/transfers/${live.id}`, { token: erin.access })).status,
    ).toBe(200);
  });

  it('answers bad usage with exit code 2 and unknown accounts with a coded error', () => {
    expect(admin(relay, ['frobnicate']).code).toBe(2);
    expect(admin(relay, ['disable']).code).toBe(2);
    expect(admin(relay, ['users', '--yaml']).code).toBe(2);
    const missing = admin(relay, ['disable', 'nobody@example.com']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('E_NOT_FOUND');
    const bad = admin(relay, ['create-admin', 'not-an-email']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('E_VALIDATION');
  });

  it('is reachable as `npm run relay -- admin …`', () => {
    const run = spawnSync('npm', ['run', '--silent', 'relay', '--', 'admin', 'users', '--json'], {
      cwd: join(MAIN, '..', '..'),
      env: { ...process.env, DATACRYPT_DATA_DIR: relay.dir, DATACRYPT_LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('"email":"alice@example.com"');
  });
});

describe('datacrypt-relay admin disable with a live socket', { timeout: 180_000 }, () => {
  it('drops the socket at the next session check and refuses new ones', async () => {
    const relay = await startRelay({ DATACRYPT_SOCKET_SESSION_CHECK_SECONDS: '1' });
    try {
      const gina = await makeUser(relay, 'gina@example.com');
      const socket = await connectSocket(relay.url, gina.access);
      expect(admin(relay, ['disable', 'gina@example.com']).code).toBe(0);
      await socket.disconnected(15_000);
      expect((await connectError(relay.url, gina.access)).message).toBe('E_AUTH_INVALID');
    } finally {
      await relay.close();
    }
  });
});
