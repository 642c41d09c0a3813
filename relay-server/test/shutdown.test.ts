import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransferView } from '../src/contract/index.js';
import { call } from './helpers/relay.js';
import { makeUserOverHttp, startRelayProcess, type RelayProcess } from './helpers/relay-process.js';

const MiB = 1024 * 1024;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Polls `probe` until it returns true or the deadline passes. */
async function until(probe: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Writes `data` in 256 KiB slices, yielding to the event loop between them (a slow client). */
async function writeSlowly(req: ClientRequest, data: Buffer): Promise<void> {
  for (let at = 0; at < data.length; at += 256 * 1024) {
    const slice = data.subarray(at, at + 256 * 1024);
    if (!req.write(slice)) await new Promise((r) => req.once('drain', r));
    await new Promise((r) => setTimeout(r, 10));
  }
  req.end();
}

describe('graceful shutdown of the relay process on SIGTERM', { timeout: 120_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relay-shutdown-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finishes a part upload in flight, refuses new work, ends sockets, exits 0', async () => {
    let relay: RelayProcess = await startRelayProcess(dir, {
      DATACRYPT_SHUTDOWN_GRACE_SECONDS: '60',
    });
    const alice = await makeUserOverHttp(relay, dir, 'alice@example.com');
    const bob = await makeUserOverHttp(relay, dir, 'bob@example.com');
    const size = 16 * MiB;
    const created = await call<TransferView>(relay, 'POST', '/api/transfers/upload', {
      token: alice.accessToken,
      body: { recipients: ['bob@example.com'], size, partSize: size },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;

    // Bob listens for events; shutdown must tell him why the socket goes.
    const socket = connectSocket(relay.url, {
      path: '/socket.io',
      auth: { token: bob.accessToken },
      transports: ['websocket'],
      reconnection: false,
    });
    const ended = new Promise<unknown>((resolve) => socket.once('session:ended', resolve));
    const disconnected = new Promise<string>((resolve) =>
      socket.once('disconnect', (reason) => {
        resolve(reason);
      }),
    );
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });

    const part = randomBytes(size);
    const req = httpRequest(new URL(`${relay.url}/api/transfers/upload/${id}/parts/1`), {
      method: 'PUT',
      agent: false,
      headers: {
        authorization: `Bearer ${alice.accessToken}`,
        'content-type': 'application/octet-stream',
        'content-length': String(size),
        'x-datacrypt-sha256': sha256(part),
      },
    });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.once('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      req.once('error', reject);
    });
    req.write(part.subarray(0, MiB));
    const metric = async () =>
      (await call<string>(relay, 'GET', '/metrics')).body.includes(
        'datacrypt_part_uploads_in_flight 1',
      );
    await until(metric, 10_000, 'the upload to be in flight');

    relay.child.kill('SIGTERM');
    expect(await ended).toEqual({ code: 'E_SHUTTING_DOWN' });
    expect(await disconnected).toBe('io server disconnect');
    // The listener is closed: a new connection is refused while the upload still runs.
    await until(
      () =>
        new Promise<boolean>((resolve) => {
          const probe = httpRequest(`${relay.url}/healthz`, { agent: false });
          probe.once('response', (res) => {
            res.resume();
            resolve(false);
          });
          probe.once('error', (err: NodeJS.ErrnoException) => {
            resolve(err.code === 'ECONNREFUSED');
          });
          probe.end();
        }),
      10_000,
      'new connections to be refused',
    );
    expect(relay.child.exitCode).toBeNull();

    await writeSlowly(req, part.subarray(MiB));
    const res = await answer;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ n: 1, size, sha256: sha256(part) });
    expect(await relay.exited).toBe(0);
    expect(relay.output()).not.toContain('grace period over');

    // The part survived intact: a fresh process on the same data finalizes and serves it.
    relay = await startRelayProcess(dir);
    try {
      const fin = await call(relay, 'POST', `/api/transfers/upload/${id}/finalize`, {
        token: alice.accessToken,
      });
      expect(fin.status).toBe(200);
      const download = await fetch(`${relay.url}/api/transfers/file/${id}`, {
        headers: { authorization: `Bearer ${bob.accessToken}` },
      });
      expect(download.status).toBe(200);
      expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(part));
    } finally {
      relay.child.kill('SIGTERM');
      expect(await relay.exited).toBe(0);
    }
  });

  it('cuts an upload that outlives the grace period, and still exits 0', async () => {
    const relay = await startRelayProcess(dir, { DATACRYPT_SHUTDOWN_GRACE_SECONDS: '1' });
    const alice = await call<{ accessToken: string }>(relay, 'POST', '/api/auth/login', {
      body: { email: 'alice@example.com', password: 'correct horse battery staple' },
    });
    const created = await call<TransferView>(relay, 'POST', '/api/transfers/upload', {
      token: alice.body.accessToken,
      body: { recipients: ['bob@example.com'], size: 4 * MiB, partSize: 4 * MiB },
    });
    const req = httpRequest(
      new URL(`${relay.url}/api/transfers/upload/${created.body.id}/parts/1`),
      {
        method: 'PUT',
        agent: false,
        headers: {
          authorization: `Bearer ${alice.body.accessToken}`,
          'content-type': 'application/octet-stream',
          'content-length': String(4 * MiB),
          'x-datacrypt-sha256': '0'.repeat(64),
        },
      },
    );
    const failed = new Promise<void>((resolve) => {
      req.once('error', () => {
        resolve();
      });
      req.once('response', (r) => {
        r.resume();
        r.once('end', resolve);
      });
    });
    req.write(Buffer.alloc(MiB));
    await until(
      async () =>
        (await call<string>(relay, 'GET', '/metrics')).body.includes(
          'datacrypt_part_uploads_in_flight 1',
        ),
      10_000,
      'the upload to be in flight',
    );
    const start = Date.now();
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
    expect(Date.now() - start).toBeGreaterThanOrEqual(900);
    expect(relay.output()).toContain('grace period over');
    await failed;
    req.destroy();
    // Nothing half-written was recorded: the part is not listed.
    const again = await startRelayProcess(dir);
    try {
      const parts = await call<{ parts: unknown[] }>(
        again,
        'GET',
        `/api/transfers/upload/${created.body.id}/parts`,
        { token: alice.body.accessToken },
      );
      expect(parts.body.parts).toEqual([]);
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
  });
});
