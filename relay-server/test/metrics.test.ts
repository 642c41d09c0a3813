import { request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TransferView } from '../src/contract/index.js';
import { call, makeUser, startRelay, type TestRelay } from './helpers/relay.js';
import { connectSocket } from './helpers/realtime.js';
import { startRelayProcess } from './helpers/relay-process.js';
import { sendTransfer, sha256 } from './helpers/upload.js';

const relays: TestRelay[] = [];
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
});

async function scrape(relay: TestRelay, token?: string): Promise<string> {
  const res = await call<string>(relay, 'GET', '/metrics', {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.body;
}

/** The value of one sample line, e.g. `name{a="b"} 3`; undefined when absent. */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{(.*)\})? (\S+)$/.exec(line);
    if (m?.[1] !== name) continue;
    const have = new Map(
      [...(m.at(3) ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(m[4]);
  }
  return undefined;
}

const PART_ROUTE = '/api/transfers/upload/:transferId/parts/:n';

describe('/metrics', () => {
  it('counts request latency by route pattern, bytes in and out, and never shows ids', async () => {
    const relay = await startRelay();
    relays.push(relay);
    const alice = await makeUser(relay, 'alice@example.com');
    const bob = await makeUser(relay, 'bob@example.com');
    const { view, data } = await sendTransfer(relay, alice, [bob.email], {
      size: 5000,
      partSize: 2048,
    });
    const download = await fetch(`${relay.url}/api/transfers/file/${view.id}`, {
      headers: { authorization: `Bearer ${bob.access}` },
    });
    expect(Buffer.from(await download.arrayBuffer()).equals(data)).toBe(true);
    const ranged = await fetch(`${relay.url}/api/transfers/file/${view.id}`, {
      headers: { authorization: `Bearer ${bob.access}`, range: 'bytes=100-199' },
    });
    expect((await ranged.arrayBuffer()).byteLength).toBe(100);

    const text = await scrape(relay);
    expect(
      sample(text, 'datacrypt_http_request_duration_seconds_count', {
        method: 'PUT',
        route: PART_ROUTE,
        status_code: '200',
      }),
    ).toBe(3);
    expect(
      sample(text, 'datacrypt_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/api/transfers/file/:token',
        status_code: '206',
      }),
    ).toBe(1);
    expect(sample(text, 'datacrypt_part_bytes_received_total')).toBe(5000);
    expect(sample(text, 'datacrypt_download_bytes_sent_total')).toBe(5100);
    expect(sample(text, 'datacrypt_part_uploads_in_flight')).toBe(0);
    expect(sample(text, 'datacrypt_sockets_connected')).toBe(0);
    expect(sample(text, 'datacrypt_process_resident_memory_bytes')).toBeGreaterThan(0);
    // Route patterns, not URLs: no transfer id, token or email becomes a label value.
    expect(text).not.toContain(view.id);
    expect(text).not.toContain('alice@example.com');
    // Unmatched URLs share one label instead of one series per probe of a scanner.
    await call(relay, 'GET', `/no/such/${randomBytes(8).toString('hex')}`);
    const after = await scrape(relay);
    expect(
      sample(after, 'datacrypt_http_request_duration_seconds_count', {
        route: 'unmatched',
        status_code: '404',
      }),
    ).toBe(1);
  });

  it('shows a part upload in flight while its body is still arriving', async () => {
    const relay = await startRelay();
    relays.push(relay);
    const alice = await makeUser(relay, 'alice@example.com');
    const bob = await makeUser(relay, 'bob@example.com');
    const created = await call<TransferView>(relay, 'POST', '/api/transfers/upload', {
      token: alice.access,
      body: { recipients: [bob.email], size: 4096, partSize: 4096 },
    });
    const part = randomBytes(4096);
    const url = new URL(`${relay.url}/api/transfers/upload/${created.body.id}/parts/1`);
    const req = httpRequest(url, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${alice.access}`,
        'content-type': 'application/octet-stream',
        'content-length': String(part.length),
        'x-datacrypt-sha256': sha256(part),
      },
    });
    const answered = new Promise<number>((resolve, reject) => {
      req.once('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', reject);
    });
    req.write(part.subarray(0, 1000));
    const deadline = Date.now() + 10_000;
    let inFlight: number | undefined = 0;
    while (inFlight !== 1 && Date.now() < deadline) {
      inFlight = sample(await scrape(relay), 'datacrypt_part_uploads_in_flight');
    }
    expect(inFlight).toBe(1);
    req.end(part.subarray(1000));
    expect(await answered).toBe(200);
    expect(sample(await scrape(relay), 'datacrypt_part_uploads_in_flight')).toBe(0);
  });

  it('counts the Socket.IO clients connected to this instance', async () => {
    const relay = await startRelay();
    relays.push(relay);
    const alice = await makeUser(relay, 'alice@example.com');
    const sockets = await Promise.all([1, 2, 3].map(() => connectSocket(relay.url, alice.access)));
    expect(sample(await scrape(relay), 'datacrypt_sockets_connected')).toBe(3);
    for (const s of sockets) s.close();
    const deadline = Date.now() + 10_000;
    let connected: number | undefined = 3;
    while (connected !== 0 && Date.now() < deadline) {
      connected = sample(await scrape(relay), 'datacrypt_sockets_connected');
    }
    expect(connected).toBe(0);
  });

  it('counts sweeper passes of the relay process', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-metrics-'));
    const proc = await startRelayProcess(dir, { DATACRYPT_SWEEP_INTERVAL_SECONDS: '1' });
    try {
      const deadline = Date.now() + 20_000;
      let runs: number | undefined = 0;
      while ((runs ?? 0) < 2 && Date.now() < deadline) {
        const text = (await call<string>(proc, 'GET', '/metrics')).body;
        runs = sample(text, 'datacrypt_sweeper_runs_total');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(runs).toBeGreaterThanOrEqual(2);
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('requires the operator token when DATACRYPT_METRICS_TOKEN is set', async () => {
    const token = randomBytes(24).toString('hex');
    const relay = await startRelay({ DATACRYPT_METRICS_TOKEN: token });
    relays.push(relay);
    const none = await call(relay, 'GET', '/metrics');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: { code: 'E_AUTH_INVALID' } });
    const wrong = await call(relay, 'GET', '/metrics', {
      headers: { authorization: `Bearer ${token.slice(0, -1)}x` },
    });
    expect(wrong.status).toBe(401);
    expect(await scrape(relay, token)).toContain('datacrypt_http_request_duration_seconds');
  });
});
