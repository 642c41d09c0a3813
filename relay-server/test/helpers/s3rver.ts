import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Config } from '../../src/config.js';

const script = fileURLToPath(new URL('./s3rver-process.mjs', import.meta.url));

/** A real S3-protocol server (s3rver) in a child process on a loopback port. */
export async function startS3rver(bucket = 'datacrypt-test') {
  const dir = await mkdtemp(join(tmpdir(), 's3rver-'));
  const child = spawn(process.execPath, [script, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m?.[1] !== undefined) resolve(Number(m[1]));
    });
    child.once('exit', (code) => {
      reject(new Error(`s3rver exited with ${code}`));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const config: S3Config = {
    bucket,
    region: 'us-east-1',
    endpoint,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
  };
  return {
    config,
    env: {
      DATACRYPT_BLOB_STORE: 's3',
      DATACRYPT_S3_BUCKET: bucket,
      DATACRYPT_S3_ENDPOINT: endpoint,
      DATACRYPT_S3_ACCESS_KEY_ID: 'S3RVER',
      DATACRYPT_S3_SECRET_ACCESS_KEY: 'S3RVER',
      DATACRYPT_S3_FORCE_PATH_STYLE: 'true',
    },
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end();
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
