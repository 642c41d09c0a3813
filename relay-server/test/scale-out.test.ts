import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisLeaseStore } from '../src/adapters/redis/lease.js';
import { ErrorCode, Routes, type TransferList } from '../src/contract/index.js';
import {
  logRecords,
  makeProcessUser,
  startRedis,
  startRelayProcess,
  type Proc,
} from './helpers/processes.js';
import { connectSocket, waitFor, type TestSocket } from './helpers/realtime.js';
import { call, PASSWORD, type TestUser } from './helpers/relay.js';
import { sendTransfer } from './helpers/upload.js';

// Real processes: one redis-server, two relays (node dist/main.js) sharing one data dir (SQLite
// record store + disk blobs) and Redis. Build first: `npx tsc -b`.

let redis: Proc & { url: string };
let dataDir: string;
let relayA: Proc & { url: string; dataDir: string };
let relayB: Proc & { url: string; dataDir: string };
let redisClient: Redis;
const sockets: TestSocket[] = [];

const RATE_LIMIT = 4;

interface SweepLine {
  holder: string;
  runs: number;
  time: number;
}

function sweeps(proc: Proc): SweepLine[] {
  return logRecords(proc)
    .filter((r) => r.msg === 'sweeper pass')
    .map((r) => {
      const run = r.sweeperRun as { runs: number };
      return { holder: String(r.holder), runs: run.runs, time: Number(r.time) };
    });
}

function relayEnv(): Record<string, string> & { DATACRYPT_DATA_DIR: string } {
  return {
    DATACRYPT_DATA_DIR: dataDir,
    DATACRYPT_REDIS_URL: redis.url,
    DATACRYPT_JWT_SECRET: 'scale-out-test-secret-0123456789abcdef',
    DATACRYPT_SWEEP_INTERVAL_SECONDS: '1',
    DATACRYPT_MIN_PART_SIZE: '1024',
    DATACRYPT_AUTH_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
    DATACRYPT_SHUTDOWN_GRACE_SECONDS: '1',
  };
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'scale-out-'));
  redis = await startRedis();
  redisClient = new Redis(redis.url);
  // B starts first and becomes the sweeper (its first pass is logged before A exists).
  relayB = await startRelayProcess(relayEnv());
  await waitFor(() => (sweeps(relayB).length > 0 ? true : undefined), 10_000, 'B to sweep');
  relayA = await startRelayProcess(relayEnv());
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  redisClient.disconnect();
  await Promise.all([relayA.kill('SIGTERM'), relayB.kill('SIGKILL')]);
  await redis.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

describe('two relay processes, one Redis', () => {
  let alice: TestUser;
  let bob: TestUser;

  it('a client on A gets transfer:new when the upload is finalized on B', async () => {
    alice = await makeProcessUser(relayA, 'alice@example.com');
    bob = await makeProcessUser(relayA, 'bob@example.com');
    const s = await connectSocket(relayA.url, bob.access);
    sockets.push(s);
    const started = Date.now();
    const { view } = await sendTransfer(relayB, alice, [bob.email]);
    const got = await s.nextOf('transfer:new', undefined, 5000);
    expect(got).toMatchObject({ transferId: view.id, size: view.size });
    expect(Date.now() - started).toBeLessThan(5000);
    // And the event log is shared: catch-up on B returns what A's socket saw.
    const caught = await call<{ events: { cursor: string }[] }>(relayB, 'GET', Routes.events, {
      token: bob.access,
    });
    expect(caught.body.events.map((e) => e.cursor)).toContain(got.cursor);
  });

  it('rate-limit counters are shared: the limit holds across instances', async () => {
    // Two logins on A happened while creating the users; two more on B fill the window.
    const login = (url: string) =>
      call({ url }, 'POST', Routes.login, { body: { email: alice.email, password: PASSWORD } });
    expect((await login(relayB.url)).status).toBe(200);
    expect((await login(relayB.url)).status).toBe(200);
    const limited = await login(relayB.url);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: { code: ErrorCode.RateLimited } });
    expect((await login(relayA.url)).status).toBe(429);
    expect(await redisClient.keys('datacrypt:rl:*')).not.toEqual([]);
  });

  it('only the lease holder sweeps while both run; after it is killed the other takes over', async () => {
    const bHolder = sweeps(relayB)[0]?.holder;
    expect(await redisClient.get('datacrypt:lease:sweeper')).toBe(bHolder);
    // Let B complete three more passes while A is up (A ticks every second all along).
    const bAtStart = sweeps(relayB).length;
    await waitFor(
      () => (sweeps(relayB).length >= bAtStart + 3 ? true : undefined),
      15_000,
      'three passes of B',
    );
    expect(sweeps(relayA)).toEqual([]);
    // One pass per interval, not one per instance: B's run counter counts every pass.
    const bRuns = sweeps(relayB);
    expect(bRuns.map((r) => r.runs)).toEqual(bRuns.map((_, i) => i + 1));
    const spanS = ((bRuns.at(-1)?.time ?? 0) - (bRuns[0]?.time ?? 0)) / 1000;
    expect(bRuns.length).toBeLessThanOrEqual(Math.ceil(spanS) + 2);

    await relayB.kill('SIGKILL');
    const killedAt = Date.now();
    // B's lease (3 intervals) lapses; A takes it over.
    const aFirst = await waitFor(() => sweeps(relayA)[0], 15_000, 'A to take over the sweep');
    expect(aFirst.time).toBeGreaterThan(killedAt);
    expect(await redisClient.get('datacrypt:lease:sweeper')).toBe(aFirst.holder);
    expect(aFirst.holder).not.toBe(bHolder);
  });

  it('A keeps serving after B was killed', async () => {
    const inbox = await call<TransferList>(relayA, 'GET', Routes.inbox, { token: bob.access });
    expect(inbox.status).toBe(200);
    expect(inbox.body.total).toBe(1);
    const [s] = sockets;
    const { view } = await sendTransfer(relayA, alice, [bob.email]);
    const got = await s.next(
      (r) => r.event === 'transfer:new' && r.payload.transferId === view.id,
      5000,
    );
    expect(got.event).toBe('transfer:new');
    // New sockets connect to A as well.
    const again = await connectSocket(relayA.url, bob.access);
    sockets.push(again);
    expect(again.socket.connected).toBe(true);
  });
});

describe('Redis lease store', () => {
  it('one holder, renewal, safe release, expiry of a crashed holder', async () => {
    const leases = new RedisLeaseStore(redisClient, 'test:lease:');
    const now = Date.now();
    expect(await leases.acquire('l', 'a', 400, now)).toBe(true);
    expect(await leases.acquire('l', 'b', 400, now)).toBe(false);
    expect(await leases.acquire('l', 'a', 400, now)).toBe(true);
    await leases.release('l', 'b'); // not b's: must stay
    expect(await redisClient.get('test:lease:l')).toBe('a');
    // 'a' stops renewing (crash): the key expires in Redis and 'b' gets it.
    await waitFor(
      async () => ((await leases.acquire('l', 'b', 5000, Date.now())) ? true : undefined),
      3000,
    );
    expect(await leases.acquire('l', 'a', 400, Date.now())).toBe(false);
    await leases.release('l', 'b');
    expect(await redisClient.get('test:lease:l')).toBeNull();
  });
});
