import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { variablesConfigReads } from './helpers/config-vars.js';

describe('configuration', () => {
  it('has zero-setup defaults: ./data, disk blobs, outbox mail, 5 GiB quota, 7 days expiry', () => {
    const c = loadConfig({}, '/srv/relay');
    expect(c).toMatchObject({
      dataDir: '/srv/relay/data',
      host: '127.0.0.1',
      port: 8787,
      blobStore: 'disk',
      mailer: 'outbox',
      quotaBytes: 5 * 1024 ** 3,
      defaultExpirySeconds: 7 * 86400,
    });
  });

  it.each([
    ['DATACRYPT_PORT', 'eighty'],
    ['DATACRYPT_PORT', '70000'],
    ['DATACRYPT_BLOB_STORE', 'ftp'],
    ['DATACRYPT_QUOTA_BYTES', '-1'],
    ['DATACRYPT_JWT_SECRET', 'short'],
    ['DATACRYPT_LOG_LEVEL', 'loud'],
    ['DATACRYPT_S3_FORCE_PATH_STYLE', 'maybe'],
    ['DATACRYPT_PUBLIC_URL', 'not a url'],
    ['DATACRYPT_PUBLIC_URL', 'ftp://relay.example.com'],
    ['DATACRYPT_S3_ENDPOINT', 'minio:9000'],
    ['DATACRYPT_SHUTDOWN_GRACE_SECONDS', '-5'],
    ['DATACRYPT_LIVE_DOWNLOAD_WAIT_SECONDS', '3601'],
    ['DATACRYPT_SHUTDOWN_GRACE_SECONDS', '7200'],
    ['DATACRYPT_METRICS_TOKEN', 'short'],
    ['DATACRYPT_ADMIN_EMAILS', 'root@example.com, not-an-email'],
    ['DATACRYPT_TRUST_PROXY', 'yes'],
    ['DATACRYPT_SWEEP_INTERVAL_SECONDS', '0'],
    ['DATACRYPT_MAX_PART_SIZE', '1000'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    // S3 settings are only read when S3 is selected.
    const env = { DATACRYPT_BLOB_STORE: 's3', DATACRYPT_S3_BUCKET: 'b', [name]: value };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('requires the S3 bucket and the SMTP URL when those adapters are chosen', () => {
    expect(() => loadConfig({ DATACRYPT_BLOB_STORE: 's3' })).toThrow('DATACRYPT_S3_BUCKET');
    expect(() => loadConfig({ DATACRYPT_MAILER: 'smtp' })).toThrow('DATACRYPT_SMTP_URL');
    expect(() => loadConfig({ DATACRYPT_RECORD_STORE: 'mongodb' })).toThrow(
      'DATACRYPT_MONGODB_URL',
    );
    expect(() => loadConfig({ DATACRYPT_RECORD_STORE: 'postgres' })).toThrow(
      'DATACRYPT_RECORD_STORE',
    );
    expect(loadConfig({ DATACRYPT_BLOB_STORE: 's3', DATACRYPT_S3_BUCKET: 'b' }).s3).toMatchObject({
      bucket: 'b',
      region: 'us-east-1',
      forcePathStyle: false,
    });
  });

  it('checks URL schemes of the adapters without echoing the URL (it may hold a password)', () => {
    const smtp = () =>
      loadConfig({ DATACRYPT_MAILER: 'smtp', DATACRYPT_SMTP_URL: 'https://u:hunter2@mail:465' });
    expect(smtp).toThrow('DATACRYPT_SMTP_URL');
    expect(smtp).not.toThrow('hunter2');
    const mongo = () =>
      loadConfig({
        DATACRYPT_RECORD_STORE: 'mongodb',
        DATACRYPT_MONGODB_URL: 'http://u:hunter2@mongo',
      });
    expect(mongo).toThrow('DATACRYPT_MONGODB_URL');
    expect(mongo).not.toThrow('hunter2');
    expect(() => loadConfig({ DATACRYPT_SMTP_URL: 'not a url', DATACRYPT_MAILER: 'smtp' })).toThrow(
      'DATACRYPT_SMTP_URL: is not a valid URL',
    );
  });

  it('documents every variable it reads in the README, with its default', async () => {
    const read = variablesConfigReads();
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const rows = readme.split('\n').filter((line) => line.startsWith('| `'));
    for (const name of read) {
      const row = rows.find((r) => r.includes(`\`${name}\``));
      expect(row, `README table row for ${name}`).toBeDefined();
    }
    expect(read.size).toBeGreaterThan(30);
  });

  it('keeps the default expiry within the maximum', () => {
    expect(loadConfig({ DATACRYPT_MAX_EXPIRY_SECONDS: '3600' }).defaultExpirySeconds).toBe(3600);
    expect(() =>
      loadConfig({
        DATACRYPT_MAX_EXPIRY_SECONDS: '3600',
        DATACRYPT_DEFAULT_EXPIRY_SECONDS: '7200',
      }),
    ).toThrow('DATACRYPT_DEFAULT_EXPIRY_SECONDS');
  });
});

describe('main', () => {
  const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

  it.each([
    ['DATACRYPT_PORT', 'eighty'],
    ['DATACRYPT_LOG_LEVEL', 'loud'],
    ['DATACRYPT_SHUTDOWN_GRACE_SECONDS', 'soon'],
    ['DATACRYPT_METRICS_TOKEN', 'short'],
    ['REDIS_URL', 'http://cache:6379'],
    ['DATACRYPT_MAIL_BATCH_SECONDS', '1.5'],
    ['DATACRYPT_RECORD_STORE', 'postgres'],
  ])('refuses to start on %s=%s, naming it, with exit code 2', (name, value) => {
    const env: Record<string, string | undefined> = { ...process.env, [name]: value };
    const run = spawnSync(process.execPath, [main], { env, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`invalid configuration: ${name}`);
    expect(run.stdout).not.toContain('listening');
  });

  it('starts with zero set-up and prints its URL, data dir and where mail goes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-main-'));
    const child = spawn(process.execPath, [main], {
      cwd: dir,
      env: {
        ...process.env,
        DATACRYPT_PORT: '0',
        DATACRYPT_LOG_LEVEL: 'warn',
        DATACRYPT_DATA_DIR: '',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const out = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('mail:')) resolve(text);
        });
        child.once('exit', (code) => {
          reject(new Error(`exited with ${code}`));
        });
      });
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      expect(url).toBeDefined();
      expect(out).toContain(`data:     ${join(dir, 'data')}`);
      expect(out).toContain(`outbox folder ${join(dir, 'data', 'outbox')}`);
      const docs = await fetch(`${url ?? ''}/docs/json`);
      expect(docs.status).toBe(200);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
