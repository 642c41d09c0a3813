import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobIntegrityError } from '../../src/ports.js';
import type { BlobLayout, BlobStore } from '../../src/ports.js';
import { newId } from '../../src/services/crypto.js';

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The BlobStore contract; every adapter runs it. */
export function blobStoreContract(
  name: string,
  open: () => Promise<{ store: BlobStore; cleanup: () => Promise<void> }>,
  partSize: number,
) {
  describe(`BlobStore contract: ${name}`, () => {
    let store: BlobStore;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await open());
    });
    afterAll(async () => {
      await store.close();
      await cleanup();
    });

    async function upload(
      data: Buffer,
    ): Promise<{ key: string; handle: string | null; layout: BlobLayout }> {
      const key = newId();
      const handle = await store.begin(key);
      const layout = { size: data.length, partSize, partCount: Math.ceil(data.length / partSize) };
      const parts: { n: number; etag: string }[] = [];
      // Out of order on purpose: clients upload parts in parallel.
      for (let n = layout.partCount; n >= 1; n--) {
        const part = data.subarray((n - 1) * partSize, n * partSize);
        const { etag } = await store.putPart(key, handle, n, Readable.from([part]), {
          size: part.length,
          sha256: sha(part),
        });
        parts.unshift({ n, etag });
      }
      await store.complete(key, handle, parts, layout);
      return { key, handle, layout };
    }

    it('answers ping while the store is reachable (/readyz)', async () => {
      expect(typeof store.ping).toBe('function');
      await expect(store.ping?.()).resolves.toBeUndefined();
    });

    it('stores parts and reads the whole object and ranges across part boundaries', async () => {
      const data = randomBytes(partSize * 2 + 1234);
      const { key, layout } = await upload(data);
      expect((await readAll(await store.read(key, layout, 0, data.length - 1))).equals(data)).toBe(
        true,
      );
      const from = partSize - 10;
      const to = partSize * 2 + 5;
      const slice = await readAll(await store.read(key, layout, from, to));
      expect(slice.equals(data.subarray(from, to + 1))).toBe(true);
      const last = await readAll(await store.read(key, layout, data.length - 1, data.length - 1));
      expect(last.equals(data.subarray(data.length - 1))).toBe(true);
    });

    it('reads an object of many parts as one stream without piling listeners on it', async () => {
      const warnings: Error[] = [];
      const onWarning = (w: Error) => warnings.push(w);
      process.on('warning', onWarning);
      try {
        const data = randomBytes(partSize * 15 + 7);
        const { key, layout } = await upload(data);
        const whole = await readAll(await store.read(key, layout, 0, data.length - 1));
        expect(whole.equals(data)).toBe(true);
        // A reader that stops early leaves the object readable again.
        const early = await store.read(key, layout, 0, data.length - 1);
        for await (const chunk of early) {
          expect((chunk as Buffer).length).toBeGreaterThan(0);
          break;
        }
        const again = await readAll(await store.read(key, layout, partSize + 1, data.length - 1));
        expect(again.equals(data.subarray(partSize + 1))).toBe(true);
        await new Promise((resolve) => setImmediate(resolve));
        expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
      } finally {
        process.off('warning', onWarning);
      }
    });

    it('rejects a part whose checksum or size is wrong and keeps no trace of it', async () => {
      const key = newId();
      const handle = await store.begin(key);
      const good = randomBytes(1000);
      await expect(
        store.putPart(key, handle, 1, Readable.from([good]), {
          size: 1000,
          sha256: sha(randomBytes(8)),
        }),
      ).rejects.toBeInstanceOf(BlobIntegrityError);
      await expect(
        store.putPart(key, handle, 1, Readable.from([good, good]), {
          size: 1000,
          sha256: sha(good),
        }),
      ).rejects.toBeInstanceOf(BlobIntegrityError);
      await expect(
        store.putPart(key, handle, 1, Readable.from([good.subarray(0, 10)]), {
          size: 1000,
          sha256: sha(good),
        }),
      ).rejects.toBeInstanceOf(BlobIntegrityError);
      const { etag } = await store.putPart(key, handle, 1, Readable.from([good]), {
        size: 1000,
        sha256: sha(good),
      });
      const layout = { size: 1000, partSize, partCount: 1 };
      await store.complete(key, handle, [{ n: 1, etag }], layout);
      expect((await readAll(await store.read(key, layout, 0, 999))).equals(good)).toBe(true);
      await store.delete(key, handle);
    });

    it('survives a body that fails mid-stream, and a re-put replaces the part', async () => {
      const key = newId();
      const handle = await store.begin(key);
      const first = randomBytes(2000);
      const broken = new Readable({
        read() {
          this.push(first.subarray(0, 500));
          this.destroy(new Error('connection reset'));
        },
      });
      await expect(
        store.putPart(key, handle, 1, broken, { size: 2000, sha256: sha(first) }),
      ).rejects.toThrow();
      await store.putPart(key, handle, 1, Readable.from([first]), {
        size: 2000,
        sha256: sha(first),
      });
      const second = randomBytes(2000);
      const { etag } = await store.putPart(key, handle, 1, Readable.from([second]), {
        size: 2000,
        sha256: sha(second),
      });
      const layout = { size: 2000, partSize: 2000, partCount: 1 };
      await store.complete(key, handle, [{ n: 1, etag }], layout);
      expect((await readAll(await store.read(key, layout, 0, 1999))).equals(second)).toBe(true);
      await store.delete(key, handle);
    });

    it('reads stored parts before complete when it can (live downloads), and after', async () => {
      if (store.readStoredPart === undefined) {
        // S3 multipart parts cannot be read before the upload completes: recipients wait.
        expect(name).toMatch(/s3/);
        return;
      }
      const readStoredPart = store.readStoredPart.bind(store);
      const key = newId();
      const handle = await store.begin(key);
      const data = randomBytes(partSize * 2);
      const parts: { n: number; etag: string }[] = [];
      for (const n of [1, 2]) {
        const part = data.subarray((n - 1) * partSize, n * partSize);
        const { etag } = await store.putPart(key, handle, n, Readable.from([part]), {
          size: part.length,
          sha256: sha(part),
        });
        parts.push({ n, etag });
        const whole = await readAll(await readStoredPart(key, n, etag, 0));
        expect(whole.equals(part)).toBe(true);
        const tail = await readAll(await readStoredPart(key, n, etag, partSize - 3));
        expect(tail.equals(part.subarray(partSize - 3))).toBe(true);
      }
      // Opened before complete renames it: the stream still reads the whole part.
      const [first, second] = parts as [{ n: number; etag: string }, { n: number; etag: string }];
      const early = await readStoredPart(key, 1, first.etag, 0);
      await store.complete(key, handle, parts, {
        size: data.length,
        partSize,
        partCount: 2,
      });
      expect((await readAll(early)).equals(data.subarray(0, partSize))).toBe(true);
      const after = await readAll(await readStoredPart(key, 2, second.etag, 1));
      expect(after.equals(data.subarray(partSize + 1))).toBe(true);
      await expect(readStoredPart(key, 3, second.etag, 0)).rejects.toThrow();
      await expect(readStoredPart(key, 1, '../../etc', 0)).rejects.toThrow('bad part');
      await store.delete(key, handle);
      await expect(readStoredPart(key, 1, first.etag, 0)).rejects.toThrow();
    });

    it('deletes idempotently, including unfinished uploads and unknown keys', async () => {
      const data = randomBytes(3000);
      const { key, handle, layout } = await upload(data);
      await store.delete(key, handle);
      await store.delete(key, handle);
      await expect((async () => readAll(await store.read(key, layout, 0, 10)))()).rejects.toThrow();
      const pendingKey = newId();
      const pending = await store.begin(pendingKey);
      await store.putPart(pendingKey, pending, 1, Readable.from([data]), {
        size: data.length,
        sha256: sha(data),
      });
      await store.delete(pendingKey, pending);
      await store.delete(newId(), null);
    });
  });
}
