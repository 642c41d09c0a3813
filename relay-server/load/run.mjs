// Relay load test: `npm run load -w relay-server` (after `npm run build`).
//
// Starts a real redis-server and two relay processes (`node dist/main.js`) sharing one data dir
// (SQLite records, disk blobs) and Redis for Socket.IO fan-out, then drives them from this
// process over loopback with autocannon, node:http and socket.io-client. Prints one JSON line
// per figure:
//   inbox-list       p50/p99 latency of GET /api/transfers/inbox at a steady total rate
//                    (open loop, paced evenly) spread over both instances (as the load
//                    balancer would), the user having INBOX_TRANSFERS transfers (goal: p99 < 50 ms)
//   inbox-list-bursts the same through autocannon, which sends each second's quota at once
//   part-uploads     UPLOADS concurrent 8 MiB part uploads over both instances: MBps, errors (0)
//   fanout           SOCKETS sockets over both instances, FANOUT_TRANSFERS finalized: time from
//                    the finalize request to transfer:new on each socket (goal: p99 < 100 ms)
//   relay-peak-rss   highest RSS of either relay over the whole run (goal: < 300 MB)
//
// LOAD_SCALE=small shrinks every figure (CI runs that so the script cannot rot); single knobs:
// LOAD_INBOX_TRANSFERS, LOAD_INBOX_RATE, LOAD_INBOX_SECONDS, LOAD_UPLOADS, LOAD_SOCKETS,
// LOAD_FANOUT_TRANSFERS, LOAD_DATA_PARENT (default: OS temp dir). The whole run is bounded by
// LOAD_TIMEOUT_SECONDS (default 900; small 240): past it, everything is killed and it fails.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { io } from 'socket.io-client';
import {
  MiB,
  agent,
  finalize,
  killAll,
  makeUser,
  paced,
  percentile,
  pool,
  putPart,
  round,
  rssSampler,
  sha256,
  startMailSink,
  startRedis,
  startRelay,
  uploadTransfer,
  api,
  cpuSeconds,
} from './lib.mjs';

const small = process.env.LOAD_SCALE === 'small';
const knob = (name, full, reduced) =>
  Number(process.env[`LOAD_${name}`] ?? (small ? reduced : full));
const INBOX_TRANSFERS = knob('INBOX_TRANSFERS', 1000, 100);
const INBOX_RATE = knob('INBOX_RATE', 500, 100);
const INBOX_SECONDS = knob('INBOX_SECONDS', 20, 3);
const UPLOADS = knob('UPLOADS', 200, 10);
const SOCKETS = knob('SOCKETS', 2000, 100);
const FANOUT_TRANSFERS = knob('FANOUT_TRANSFERS', 100, 10);
const TIMEOUT_SECONDS = knob('TIMEOUT_SECONDS', 900, 240);
// Each fan-out transfer goes to 2 recipients, each with SOCKETS / (2 * FANOUT_TRANSFERS) sockets
// spread over both instances: every socket receives exactly one transfer:new.
const RECIPIENTS_PER_TRANSFER = 2;
const fanoutUsers = FANOUT_TRANSFERS * RECIPIENTS_PER_TRANSFER;
const socketsPerUser = Math.max(1, Math.round(SOCKETS / fanoutUsers));

const deadline = setTimeout(() => {
  console.error(`load: gave up after ${TIMEOUT_SECONDS} s`);
  killAll();
  process.exit(1);
}, TIMEOUT_SECONDS * 1000);
deadline.unref();

const print = (figure) => console.log(JSON.stringify(figure));
const log = (line) => console.error(`load: ${line}`);

const dir = await mkdtemp(join(process.env.LOAD_DATA_PARENT ?? tmpdir(), 'relay-load-'));
const redis = await startRedis();
const mail = await startMailSink();
const env = {
  DATACRYPT_DATA_DIR: dir,
  DATACRYPT_JWT_SECRET: randomBytes(32).toString('hex'),
  REDIS_URL: redis.url,
  DATACRYPT_MAILER: 'smtp',
  DATACRYPT_SMTP_URL: mail.url,
  DATACRYPT_AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
  DATACRYPT_MIN_PART_SIZE: '1',
  DATACRYPT_QUOTA_BYTES: String(64 * 1024 * MiB),
};
// One after the other: the first creates the database schema.
const a = await startRelay(env);
const b = await startRelay(env);
const relays = [a.url, b.url];
const pids = [a.child.pid, b.child.pid];
const rss = rssSampler(pids);
log(`relays ${a.url} ${b.url}, redis ${redis.url}, data ${dir}`);

try {
  // --- inbox listing ---
  const [sender, reader] = await Promise.all([
    makeUser(a.url, mail, 'inbox-sender@load.test'),
    makeUser(b.url, mail, 'inbox-reader@load.test'),
  ]);
  const one = Buffer.from([1]);
  await pool(Array.from({ length: INBOX_TRANSFERS }), 16, async (_x, i) => {
    const base = relays[i % 2];
    const id = await uploadTransfer(base, sender, [reader.email], one);
    await finalize(base, sender, id);
  });
  const probe = await api(a.url, 'GET', '/api/transfers/inbox?limit=50', { token: reader.token });
  if (probe.body.total !== INBOX_TRANSFERS) throw new Error(`inbox holds ${probe.body.total}`);
  log(`inbox seeded with ${INBOX_TRANSFERS} transfers; ${INBOX_RATE} req/s for ${INBOX_SECONDS} s`);
  // Steady rate, alternating instances as a round-robin load balancer would.
  const inboxPath = '/api/transfers/inbox?limit=50';
  const inboxHeaders = { authorization: `Bearer ${reader.token}` };
  rss.phasePeakMB();
  let cpuBefore = await cpuSeconds(pids);
  const steady = await paced(
    relays.map((base) => `${base}${inboxPath}`),
    inboxHeaders,
    INBOX_RATE,
    INBOX_SECONDS,
  );
  print({
    name: 'inbox-list',
    transfersInInbox: INBOX_TRANSFERS,
    pageSize: 50,
    instances: relays.length,
    targetRps: INBOX_RATE,
    rps: round(steady.requests / INBOX_SECONDS),
    seconds: INBOX_SECONDS,
    p50Ms: round(percentile(steady.latenciesMs, 50)),
    p99Ms: round(percentile(steady.latenciesMs, 99)),
    maxMs: round(steady.latenciesMs.at(-1) ?? Number.NaN),
    relayCpuMsPerRequest: round(
      (((await cpuSeconds(pids)) - cpuBefore) * 1000) / steady.requests,
      2,
    ),
    errors: steady.errors,
    peakRssMB: round(rss.phasePeakMB()),
  });
  // The same rate through autocannon, whose rate limit sends each second's quota in one burst
  // at the start of the second: a burst-absorption figure, not the steady-rate goal.
  cpuBefore = await cpuSeconds(pids);
  const cannons = await Promise.all(
    relays.map((base) =>
      autocannon({
        url: `${base}${inboxPath}`,
        headers: inboxHeaders,
        connections: 50,
        overallRate: INBOX_RATE / relays.length,
        duration: INBOX_SECONDS,
      }),
    ),
  );
  const requests = cannons.reduce((n, c) => n + c.requests.total, 0);
  print({
    name: 'inbox-list-bursts',
    transfersInInbox: INBOX_TRANSFERS,
    pageSize: 50,
    instances: relays.length,
    targetRps: INBOX_RATE,
    rps: round(requests / INBOX_SECONDS),
    seconds: INBOX_SECONDS,
    // Per instance, the worse of the two (autocannon's histograms cannot be merged exactly).
    p50Ms: Math.max(...cannons.map((c) => c.latency.p50)),
    p99Ms: Math.max(...cannons.map((c) => c.latency.p99)),
    maxMs: Math.max(...cannons.map((c) => c.latency.max)),
    relayCpuMsPerRequest: round((((await cpuSeconds(pids)) - cpuBefore) * 1000) / requests, 2),
    errors: cannons.reduce((n, c) => n + c.errors + c.timeouts + c.non2xx, 0),
    peakRssMB: round(rss.phasePeakMB()),
  });

  // --- concurrent part uploads ---
  const uploaders = await pool(Array.from({ length: Math.min(10, UPLOADS) }), 5, (_x, i) =>
    makeUser(relays[i % 2], mail, `uploader-${i}@load.test`),
  );
  const part = randomBytes(8 * MiB);
  const checksum = sha256(part);
  const transfers = await pool(Array.from({ length: UPLOADS }), 16, async (_x, i) => {
    const base = relays[i % 2];
    const who = uploaders[i % uploaders.length];
    const created = await api(base, 'POST', '/api/transfers/upload', {
      token: who.token,
      body: { recipients: [reader.email], size: part.length, partSize: part.length },
    });
    if (created.status !== 201) throw new Error(`create: ${created.status}`);
    return { base, who, id: created.body.id };
  });
  log(`${UPLOADS} concurrent 8 MiB part uploads`);
  rss.phasePeakMB();
  const started = performance.now();
  const statuses = await Promise.all(
    transfers.map((t) => putPart(t.base, t.who.token, t.id, 1, part, checksum).catch(() => 0)),
  );
  const seconds = (performance.now() - started) / 1000;
  print({
    name: 'part-uploads',
    concurrent: UPLOADS,
    partMB: 8,
    totalMB: UPLOADS * 8,
    seconds: round(seconds, 2),
    MBps: round((UPLOADS * 8) / seconds),
    errors: statuses.filter((s) => s !== 200).length,
    peakRssMB: round(rss.phasePeakMB()),
  });

  // --- notification fan-out ---
  const users = await pool(Array.from({ length: fanoutUsers }), 8, (_x, i) =>
    makeUser(relays[i % 2], mail, `fan-${i}@load.test`),
  );
  const fanSender = await makeUser(a.url, mail, 'fan-sender@load.test');
  const arrivals = new Map(); // transferId -> receipt times
  const sockets = [];
  await pool(
    users.flatMap((u) => Array.from({ length: socketsPerUser }, (_x, k) => ({ u, k }))),
    100,
    ({ u, k }) =>
      new Promise((resolve, reject) => {
        const socket = io(relays[k % 2], {
          path: '/socket.io',
          auth: { token: u.token },
          transports: ['websocket'],
          reconnection: false,
          forceNew: true,
        });
        socket.on('transfer:new', (p) => {
          const at = performance.now();
          const list = arrivals.get(p.transferId) ?? [];
          list.push(at);
          arrivals.set(p.transferId, list);
        });
        socket.once('connect', () => resolve());
        socket.once('connect_error', (err) => reject(err));
        sockets.push(socket);
      }),
  );
  log(
    `${sockets.length} sockets connected; ${FANOUT_TRANSFERS} transfers to finalize; ` +
      `relay peak RSS while registering users and connecting sockets: ${round(rss.phasePeakMB())} MB`,
  );
  const pending = await pool(Array.from({ length: FANOUT_TRANSFERS }), 16, async (_x, i) => {
    const to = users.slice(i * RECIPIENTS_PER_TRANSFER, (i + 1) * RECIPIENTS_PER_TRANSFER);
    const base = relays[i % 2];
    return {
      base,
      id: await uploadTransfer(
        base,
        fanSender,
        to.map((u) => u.email),
        one,
      ),
    };
  });
  rss.phasePeakMB();
  const sentAt = new Map();
  const answeredAt = new Map();
  const finalizeMs = [];
  await pool(pending, 4, async ({ base, id }) => {
    const t0 = performance.now();
    sentAt.set(id, t0);
    await finalize(base, fanSender, id);
    answeredAt.set(id, performance.now());
    finalizeMs.push(performance.now() - t0);
  });
  finalizeMs.sort((x, y) => x - y);
  const expected = FANOUT_TRANSFERS * RECIPIENTS_PER_TRANSFER * socketsPerUser;
  const waitUntil = Date.now() + 10_000;
  const received = () => [...arrivals.values()].reduce((n, l) => n + l.length, 0);
  while (received() < expected && Date.now() < waitUntil) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const latencies = [];
  const afterAnswer = [];
  for (const [id, times] of arrivals) {
    const t0 = sentAt.get(id);
    const t1 = answeredAt.get(id);
    if (t0 !== undefined) for (const t of times) latencies.push(t - t0);
    if (t1 !== undefined) for (const t of times) afterAnswer.push(t - t1);
  }
  latencies.sort((x, y) => x - y);
  afterAnswer.sort((x, y) => x - y);
  print({
    name: 'fanout',
    sockets: sockets.length,
    instances: 2,
    transfers: FANOUT_TRANSFERS,
    deliveries: latencies.length,
    missed: expected - latencies.length,
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies.at(-1) ?? Number.NaN),
    // The finalize request itself (fsyncs, event log, notification), which the latency includes.
    finalizeP50Ms: round(percentile(finalizeMs, 50)),
    // From the finalize answer instead (negative: the event arrived before the answer).
    afterAnswerP50Ms: round(percentile(afterAnswer, 50)),
    afterAnswerP99Ms: round(percentile(afterAnswer, 99)),
    peakRssMB: round(rss.phasePeakMB()),
  });
  for (const s of sockets) s.disconnect();

  rss.stop();
  print({ name: 'relay-peak-rss', instances: 2, peakRssMB: round(rss.peakMB()) });
} finally {
  rss.stop();
  agent.destroy();
  for (const r of [a, b]) {
    const exited = new Promise((resolve) => r.child.once('exit', resolve));
    r.child.kill('SIGTERM');
    await exited;
  }
  redis.child.kill('SIGTERM');
  await mail.close();
  await rm(dir, { recursive: true, force: true });
}
