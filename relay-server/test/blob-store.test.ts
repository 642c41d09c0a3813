import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DiskBlobStore } from '../src/adapters/blob/disk.js';
import { S3BlobStore } from '../src/adapters/blob/s3.js';
import { newId } from '../src/services/crypto.js';
import { blobStoreContract, readAll } from './contracts/blob-store.js';
import { startS3rver } from './helpers/s3rver.js';

blobStoreContract(
  'disk',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'blobs-'));
    return {
      store: new DiskBlobStore(dir),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
  1024,
);

blobStoreContract(
  's3 (real s3rver)',
  async () => {
    const s3 = await startS3rver();
    const spool = await mkdtemp(join(tmpdir(), 'spool-'));
    const store = new S3BlobStore(s3.config, spool);
    await store.ensureBucket();
    return {
      store,
      cleanup: async () => {
        await s3.close();
        // Every spooled part, failed or not, is gone once putPart settles.
        expect(await readdir(spool)).toEqual([]);
        await rm(spool, { recursive: true, force: true });
      },
    };
  },
  // s3rver, unlike AWS, does not enforce the 5 MiB minimum part size, which keeps this test small.
  1024,
);

describe('DiskBlobStore specifics', () => {
  it('writes parts through .incoming and removes only stale temporaries', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'blobs-'));
    const store = new DiskBlobStore(dir);
    try {
      const incoming = join(dir, '.incoming');
      await mkdir(incoming, { recursive: true });
      await writeFile(join(incoming, 'old.tmp'), 'x');
      await writeFile(join(incoming, 'young.tmp'), 'y');
      const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
      await utimes(join(incoming, 'old.tmp'), twoHoursAgo, twoHoursAgo);
      expect(await store.removeStaleTemporaries(3600_000)).toBe(1);
      expect(await readdir(incoming)).toEqual(['young.tmp']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  const put = (store: DiskBlobStore, key: string, n: number, data: Buffer) =>
    store.putPart(key, null, n, Readable.from([data]), {
      size: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
    });

  it('keeps each part upload a separate version until complete puts the recorded ones in place', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'blobs-'));
    const store = new DiskBlobStore(dir);
    try {
      const key = newId();
      await store.begin(key);
      const a = randomBytes(100);
      const b = randomBytes(100);
      const first = await put(store, key, 1, a);
      const second = await put(store, key, 1, b);
      expect(second.etag).not.toBe(first.etag);
      const layout = { size: 100, partSize: 100, partCount: 1 };
      // The recorded version is the first one; the second lost a race (say, with finalize).
      await store.complete(key, null, [{ n: 1, etag: first.etag }], layout);
      await store.complete(key, null, [{ n: 1, etag: first.etag }], layout);
      expect((await readAll(await store.read(key, layout, 0, 99))).equals(a)).toBe(true);
      // A version stored after complete changes nothing, and discarding it leaves the object.
      const late = await put(store, key, 1, b);
      expect((await readAll(await store.read(key, layout, 0, 99))).equals(a)).toBe(true);
      await store.discardPart(key, null, 1, late.etag);
      expect(await readdir(join(dir, key.slice(0, 2), key))).toEqual(['1']);
      expect((await readAll(await store.read(key, layout, 0, 99))).equals(a)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails a part that arrives after delete instead of re-creating the blob', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'blobs-'));
    const store = new DiskBlobStore(dir);
    try {
      const key = newId();
      await store.begin(key);
      await store.delete(key, null);
      await expect(put(store, key, 1, randomBytes(10))).rejects.toThrow(/ENOENT/);
      const entries = await readdir(dir, { recursive: true, withFileTypes: true });
      expect(entries.filter((e) => !e.isDirectory())).toEqual([]);
      // The blob's folder is not made again (an empty shard folder may stay).
      expect(entries.map((e) => e.name)).not.toContain(key);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('never builds a path from an unsafe key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'blobs-'));
    const store = new DiskBlobStore(dir);
    try {
      for (const key of ['../../etc/passwd', '..', 'a/b/c/d/e/f/g/h/i', '']) {
        await expect(
          store.putPart(key, null, 1, Readable.from([Buffer.from('x')]), {
            size: 1,
            sha256: '0'.repeat(64),
          }),
        ).rejects.toThrow(/unsafe blob key/);
        await expect(store.delete(key, null)).rejects.toThrow(/unsafe blob key/);
      }
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
