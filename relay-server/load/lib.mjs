// Shared pieces of the load test: child processes (redis-server, relays), RSS sampling, HTTP
// calls, users. Everything binds to 127.0.0.1.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { generateIdentity, signKeyPublication } from '@datacrypt/shared-crypto';
import { SMTPServer } from 'smtp-server';
import { startRelayProcess } from '../bench/start-relay.mjs';

export const MiB = 1024 * 1024;
export const PASSWORD = 'load test password 1';

export const sha256 = (b) => createHash('sha256').update(b).digest('hex');

export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Children to kill on exit, whatever happens. */
const children = new Set();
export function killAll() {
  for (const child of children) child.kill('SIGKILL');
}
process.once('exit', killAll);

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export async function startRedis() {
  const port = await freePort();
  const child = track(
    spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    ),
  );
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  return { url: `redis://127.0.0.1:${port}`, child };
}

/** Collects mailed verification codes (the relays' mailer is SMTP to this server). */
export async function startMailSink() {
  const codes = new Map();
  const waiters = new Map();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (c) => (raw += c.toString()));
      stream.on('end', () => {
        const code = /verification code: (\d{6})/.exec(raw)?.[1];
        if (code !== undefined) {
          for (const rcpt of session.envelope.rcptTo) {
            const to = rcpt.address.toLowerCase();
            codes.set(to, code);
            waiters.get(to)?.(code);
            waiters.delete(to);
          }
        }
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${port}`,
    code(email) {
      const have = codes.get(email);
      if (have !== undefined) return Promise.resolve(have);
      return new Promise((resolve) => waiters.set(email, resolve));
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Starts `node dist/main.js` with `env`; resolves with its URL once it listens. */
export async function startRelay(env) {
  const started = await startRelayProcess({
    PATH: process.env.PATH ?? '',
    DATACRYPT_PORT: '0',
    DATACRYPT_LOG_LEVEL: 'warn',
    ...env,
  });
  track(started.child);
  return started;
}

/**
 * Samples the resident set size of `pids` (from /proc) every 50 ms until stopped: the peak over
 * the whole run, and over the current phase (`phasePeakMB` reads and restarts it).
 */
export function rssSampler(pids) {
  let peak = 0;
  let phase = 0;
  const timer = setInterval(async () => {
    for (const pid of pids) {
      try {
        const status = await readFile(`/proc/${pid}/status`, 'utf8');
        const bytes = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
        peak = Math.max(peak, bytes);
        phase = Math.max(phase, bytes);
      } catch {
        /* process gone */
      }
    }
  }, 50);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    peakMB: () => peak / MiB,
    phasePeakMB() {
      const value = phase / MiB;
      phase = 0;
      return value;
    },
  };
}

/** User+system CPU seconds `pids` have used so far (from /proc; Linux only). */
export async function cpuSeconds(pids) {
  let total = 0;
  for (const pid of pids) {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
    total += (Number(fields[11]) + Number(fields[12])) / 100;
  }
  return total;
}

export const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** One JSON request over node:http (keep-alive). */
export function api(base, method, path, { token, body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      new URL(path, base),
      {
        method,
        agent,
        headers: {
          ...headers,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': payload.length }
            : {}),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode, body: json });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** PUT one raw part; resolves with the status code. */
export function putPart(base, token, transferId, n, data, checksum = sha256(data)) {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(`/api/transfers/upload/${transferId}/parts/${n}`, base),
      {
        method: 'PUT',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/octet-stream',
          'content-length': data.length,
          'x-datacrypt-sha256': checksum,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

function expect(res, status, what) {
  if (res.status !== status) {
    throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res.body;
}

/** Registers, verifies, logs in and publishes a key; returns { email, token, id }. */
export async function makeUser(base, mail, email) {
  expect(
    await api(base, 'POST', '/api/auth/register', { body: { email, password: PASSWORD } }),
    202,
    `register ${email}`,
  );
  const code = await mail.code(email);
  expect(await api(base, 'POST', '/api/auth/verify-otp', { body: { email, code } }), 200, 'verify');
  const login = expect(
    await api(base, 'POST', '/api/auth/login', { body: { email, password: PASSWORD } }),
    200,
    'login',
  );
  const pub = signKeyPublication(generateIdentity(), email, Date.now());
  expect(
    await api(base, 'PUT', '/api/users/public-key', { token: login.accessToken, body: pub }),
    200,
    'publish key',
  );
  const me = expect(
    await api(base, 'GET', '/api/auth/me', { token: login.accessToken }),
    200,
    'me',
  );
  return { email, token: login.accessToken, id: me.id };
}

/** Runs `fn` over `items` with at most `limit` at once. */
export async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    }),
  );
  return results;
}

/** Creates a transfer and uploads its single part; returns its id (not finalized). */
export async function uploadTransfer(base, sender, recipients, data) {
  const created = expect(
    await api(base, 'POST', '/api/transfers/upload', {
      token: sender.token,
      body: { recipients, size: data.length, partSize: data.length },
    }),
    201,
    'create transfer',
  );
  const status = await putPart(base, sender.token, created.id, 1, data);
  if (status !== 200) throw new Error(`part upload: HTTP ${status}`);
  return created.id;
}

export async function finalize(base, sender, id) {
  return expect(
    await api(base, 'POST', `/api/transfers/upload/${id}/finalize`, { token: sender.token }),
    200,
    'finalize',
  );
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const round = (n, digits = 1) => Number(n.toFixed(digits));

/**
 * Open-loop GETs at a steady `rate` per second for `seconds`, round-robin over `urls`: request i
 * is due at start + i / rate, and its latency counts from that due time, so time spent queued
 * in this driver counts too (no coordinated omission). autocannon's rate limit instead lets each
 * connection fire its whole per-second quota back to back at each second's start, a burst of the
 * full rate at once that measures a 1 s burst backlog rather than a steady rate.
 * Resolves to { requests, latenciesMs (sorted), errors }.
 */
export function paced(urls, headers, rate, seconds) {
  const pacedAgent = new Agent({ keepAlive: true, maxSockets: 64 });
  const total = Math.round(rate * seconds);
  const latenciesMs = [];
  let errors = 0;
  let sent = 0;
  let done = 0;
  return new Promise((resolve) => {
    const start = performance.now();
    const finish = () => {
      if (++done < total) return;
      pacedAgent.destroy();
      latenciesMs.sort((x, y) => x - y);
      resolve({ requests: total, latenciesMs, errors });
    };
    const send = (i) => {
      const due = start + (i * 1000) / rate;
      const req = request(urls[i % urls.length], { agent: pacedAgent, headers }, (res) => {
        res.resume();
        res.once('end', () => {
          if (res.statusCode !== 200) errors += 1;
          latenciesMs.push(performance.now() - due);
          finish();
        });
      });
      req.once('error', () => {
        errors += 1;
        finish();
      });
      req.end();
    };
    const tick = () => {
      const dueNow = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      while (sent < dueNow) send(sent++);
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
}
