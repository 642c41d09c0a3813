/* global fetch */
// Relay throughput benchmark: uploads then downloads one ciphertext through a relay child process
// on loopback (embedded adapters), parts in parallel like the client. Prints one JSON line per
// figure. Size: BENCH_SIZE_MB (default 1024 = 1 GiB); parallelism: BENCH_PARALLEL (default 4);
// BENCH_DATA_PARENT: where the relay's data dir goes (default the OS temp dir; /dev/shm takes the
// disk out of the measurement).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, signKeyPublication } from '@datacrypt/shared-crypto';
import { startRelayProcess } from './start-relay.mjs';

const MiB = 1024 * 1024;
const sizeMB = Number(process.env.BENCH_SIZE_MB ?? 1024);
const parallel = Number(process.env.BENCH_PARALLEL ?? 4);
const partSize = 16 * MiB;
const size = sizeMB * MiB;
const password = 'benchmark password 1';
const dir = await mkdtemp(join(process.env.BENCH_DATA_PARENT ?? tmpdir(), 'relay-bench-'));

const { url, child: relay } = await startRelayProcess({
  ...process.env,
  DATACRYPT_DATA_DIR: dir,
  DATACRYPT_PORT: '0',
  DATACRYPT_LOG_LEVEL: 'warn',
});

let peakRss = 0;
async function sampleRss() {
  try {
    const status = await readFile(`/proc/${relay.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    peakRss = Math.max(peakRss, kb * 1024);
  } catch {
    /* process gone */
  }
}
/** User+system CPU seconds the relay has used so far (from /proc; Linux only). */
async function relayCpuSeconds() {
  try {
    const fields = (await readFile(`/proc/${relay.pid}/stat`, 'utf8')).split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

const sampler = setInterval(() => void sampleRss(), 20);

async function api(method, path, { token, body } = {}) {
  const res = await fetch(url + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function user(email) {
  await api('POST', '/api/auth/register', { body: { email, password } });
  const outbox = join(dir, 'outbox');
  let code;
  for (const f of await readdir(outbox)) {
    const text = await readFile(join(outbox, f), 'utf8');
    if (text.includes(`To: ${email}`)) code = /verification code: (\d{6})/.exec(text)?.[1];
  }
  await api('POST', '/api/auth/verify-otp', { body: { email, code } });
  const { accessToken } = await api('POST', '/api/auth/login', { body: { email, password } });
  const publication = signKeyPublication(generateIdentity(), email, Date.now());
  await api('PUT', '/api/users/public-key', { token: accessToken, body: publication });
  return accessToken;
}

// Bulk bytes go through node:http like the desktop client's axios; fetch (undici) costs this
// 2-core machine about twice the CPU per byte, which the relay would then be measured against.
const agent = new Agent({ keepAlive: true });

function bulk(method, path, headers, body, onData) {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, agent, headers }, (res) => {
      res.on('data', onData ?? (() => undefined));
      res.on('end', () => resolve(res.statusCode));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function pool(count, worker) {
  let next = 1;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next <= count) await worker(next++);
    }),
  );
}

let clientCpu = process.cpuUsage();
function report(name, bytes, seconds, cpuSeconds) {
  const used = process.cpuUsage(clientCpu);
  clientCpu = process.cpuUsage();
  const line = {
    name,
    relayCpuSeconds: Number(cpuSeconds.toFixed(2)),
    clientCpuSeconds: Number(((used.user + used.system) / 1e6).toFixed(2)),
    sizeMB,
    parallel,
    seconds: Number(seconds.toFixed(3)),
    MBps: Number((bytes / 1e6 / seconds).toFixed(1)),
    peakRssMB: Number((peakRss / 1e6).toFixed(1)),
  };
  console.log(JSON.stringify(line));
}

try {
  const sender = await user('sender@bench.test');
  const recipient = await user('recipient@bench.test');
  // One random part reused for every full part: the relay cannot tell, and the client stays small.
  const block = randomBytes(partSize);
  const blockSum = createHash('sha256').update(block).digest('hex');
  const created = await api('POST', '/api/transfers/upload', {
    token: sender,
    body: { recipients: ['recipient@bench.test'], size, partSize },
  });

  await sampleRss();
  peakRss = 0;
  let cpu = await relayCpuSeconds();
  clientCpu = process.cpuUsage();
  let start = process.hrtime.bigint();
  await pool(created.partCount, async (n) => {
    const length = n < created.partCount ? partSize : size - (created.partCount - 1) * partSize;
    const body = length === partSize ? block : block.subarray(0, length);
    const sum = length === partSize ? blockSum : createHash('sha256').update(body).digest('hex');
    const status = await bulk(
      'PUT',
      `/api/transfers/upload/${created.id}/parts/${n}`,
      {
        authorization: `Bearer ${sender}`,
        'content-type': 'application/octet-stream',
        'content-length': String(body.length),
        'x-datacrypt-sha256': sum,
      },
      body,
    );
    if (status !== 200) throw new Error(`part ${n}: ${status}`);
  });
  await api('POST', `/api/transfers/upload/${created.id}/finalize`, { token: sender });
  report(
    'relay-upload',
    size,
    Number(process.hrtime.bigint() - start) / 1e9,
    (await relayCpuSeconds()) - cpu,
  );

  peakRss = 0;
  const ranges = Math.max(1, parallel);
  const span = Math.ceil(size / ranges);
  let received = 0;
  const range = async (i) => {
    const from = i * span;
    const to = Math.min(size, from + span) - 1;
    const status = await bulk(
      'GET',
      `/api/transfers/file/${created.id}`,
      { authorization: `Bearer ${recipient}`, range: `bytes=${from}-${to}` },
      undefined,
      (chunk) => {
        received += chunk.length;
      },
    );
    if (status !== 206) throw new Error(`range ${i}: ${status}`);
  };
  cpu = await relayCpuSeconds();
  clientCpu = process.cpuUsage();
  start = process.hrtime.bigint();
  // A read at byte 0 starts the counted download, and the other ranges may only resume inside
  // it, so one byte of it goes first.
  await bulk('GET', `/api/transfers/file/${created.id}`, {
    authorization: `Bearer ${recipient}`,
    range: 'bytes=0-0',
  });
  await Promise.all(Array.from({ length: ranges }, (_, i) => range(i)));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (received !== size) throw new Error(`downloaded ${received} of ${size} bytes`);
  report('relay-download', size, seconds, (await relayCpuSeconds()) - cpu);
} finally {
  clearInterval(sampler);
  agent.destroy();
  relay.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
}
