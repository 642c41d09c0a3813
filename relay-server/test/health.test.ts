import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskBlobStore } from '../src/adapters/blob/disk.js';
import { OutboxMailer } from '../src/adapters/mail/outbox.js';
import { SmtpMailer } from '../src/adapters/mail/smtp.js';
import { openDatabase } from '../src/adapters/sqlite/db.js';
import { SqliteTransferStore } from '../src/adapters/sqlite/transfers.js';
import type { Log } from '../src/log.js';
import { call, startRelay, type TestRelay } from './helpers/relay.js';
import { startS3rver } from './helpers/s3rver.js';
import { freePort, startRedis } from './helpers/processes.js';
import { startRelayProcess } from './helpers/relay-process.js';

const silent: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface Ready {
  status: string;
  checks: Record<string, string>;
}

const relays: TestRelay[] = [];
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
});

describe('/healthz and /readyz', () => {
  it('report a healthy relay: process up, records, blobs and mail reachable', async () => {
    const relay = await startRelay({}, { mailer: undefined });
    relays.push(relay);
    const health = await call(relay, 'GET', '/healthz');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await call<Ready>(relay, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ready',
      checks: { records: 'ok', blobs: 'ok', mail: 'ok' },
    });
  });

  it('answers 503 naming the blob store when its folder cannot be written', async () => {
    const relay = await startRelay();
    relays.push(relay);
    // The disk store writes parts through blobs/.incoming; a file in its place breaks it.
    await mkdir(join(relay.dir, 'blobs'), { recursive: true });
    await rm(join(relay.dir, 'blobs', '.incoming'), { recursive: true, force: true });
    await writeFile(join(relay.dir, 'blobs', '.incoming'), 'not a folder');
    const ready = await call<Ready>(relay, 'GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({
      status: 'unavailable',
      checks: { records: 'ok', blobs: 'failed', mail: 'ok' },
    });
    // Liveness is unaffected: restarting the process would not fix the disk.
    expect((await call(relay, 'GET', '/healthz')).status).toBe(200);
  });

  it('answers 503 naming mail when the SMTP server is down, and recovers when it is back', async () => {
    const port = await freePort();
    const relay = await startRelay(
      { DATACRYPT_MAILER: 'smtp', DATACRYPT_SMTP_URL: `smtp://127.0.0.1:${port}` },
      { mailer: undefined },
    );
    relays.push(relay);
    const down = await call<Ready>(relay, 'GET', '/readyz');
    expect(down.status).toBe(503);
    expect(down.body.checks).toEqual({ records: 'ok', blobs: 'ok', mail: 'failed' });

    const { SMTPServer } = await import('smtp-server');
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
    });
    await new Promise<void>((resolve) => {
      smtp.listen(port, '127.0.0.1', resolve);
    });
    try {
      const up = await call<Ready>(relay, 'GET', '/readyz');
      expect(up.status).toBe(200);
      expect(up.body.checks.mail).toBe('ok');
    } finally {
      await new Promise<void>((resolve) => {
        smtp.close(() => {
          resolve();
        });
      });
    }
  });

  it('answers 503 naming blobs when S3 goes away', async () => {
    const s3 = await startS3rver();
    const relay = await startRelay(s3.env);
    relays.push(relay);
    expect((await call<Ready>(relay, 'GET', '/readyz')).body.checks.blobs).toBe('ok');
    await s3.close();
    const ready = await call<Ready>(relay, 'GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toEqual({ records: 'ok', blobs: 'failed', mail: 'ok' });
  });
});

describe('/readyz with Redis configured', () => {
  it('checks Redis too, names it while it is down, and recovers when it is back', async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    try {
      const relay = await startRelay({ REDIS_URL: `redis://127.0.0.1:${port}` });
      relays.push(relay);
      const ready = await call<Ready>(relay, 'GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toEqual({ records: 'ok', blobs: 'ok', mail: 'ok', redis: 'ok' });
      await redis.kill();
      const down = await call<Ready>(relay, 'GET', '/readyz');
      expect(down.status).toBe(503);
      expect(down.body.checks).toEqual({
        records: 'ok',
        blobs: 'ok',
        mail: 'ok',
        redis: 'failed',
      });
      redis = await startRedis(port);
      const deadline = Date.now() + 15_000;
      let again = down;
      while (again.status !== 200 && Date.now() < deadline) {
        again = await call<Ready>(relay, 'GET', '/readyz');
      }
      expect(again.body.checks.redis).toBe('ok');
      // Closed while Redis is up: the relay's own Redis clients end cleanly.
      await relays.pop()?.close();
    } finally {
      await redis.kill();
    }
  });
});

describe('ping on each adapter (what /readyz calls)', () => {
  it('rejects for a closed SQLite database, an unwritable disk store or outbox', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ping-'));
    try {
      const db = openDatabase(join(dir, 'relay.sqlite'));
      const transfers = new SqliteTransferStore(db);
      await expect(transfers.ping()).resolves.toBeUndefined();
      db.close();
      await expect(transfers.ping()).rejects.toThrow();

      const file = join(dir, 'a-file');
      await writeFile(file, 'x');
      await expect(new DiskBlobStore(join(file, 'blobs')).ping()).rejects.toThrow();
      await expect(new OutboxMailer(join(file, 'outbox'), 'r@x', silent).ping()).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects for an SMTP server that does not answer', async () => {
    const port = await freePort();
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${port}`, 'r@x', silent);
    await expect(mailer.ping()).rejects.toThrow();
    await mailer.close();
  });
});

describe('shutdown while Redis is down', () => {
  it('exits 0 on SIGTERM with no unhandled rejection from the Redis clients', async () => {
    const port = await freePort();
    const redis = await startRedis(port);
    const dir = await mkdtemp(join(tmpdir(), 'relay-redis-down-'));
    try {
      const relay = await startRelayProcess(dir, {
        REDIS_URL: `redis://127.0.0.1:${String(port)}`,
        DATACRYPT_LOG_LEVEL: 'error',
      });
      await redis.kill();
      relay.child.kill('SIGTERM');
      const code = await relay.exited;
      expect(relay.output()).not.toMatch(/Unhandled|MaxRetriesPerRequest/);
      expect(code).toBe(0);
    } finally {
      await redis.kill();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
