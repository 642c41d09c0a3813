import { request } from 'node:http';
import { Readable } from 'node:stream';
import type { BlobLayout, BlobStore } from '../../src/ports.js';
import { sha256 } from './upload.js';

/** A promise with its resolve function, to let a test wait for a point inside the relay. */
export function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { promise, fire };
}

/**
 * Makes `parties` calls of `target[method]` all finish their own call before any of them returns,
 * so the callers' reads are all done before any caller goes on to write: the interleaving that
 * exposes a read-then-write race, provoked deterministically. Returns a function that restores
 * the method.
 */
export function barrier<T extends object>(target: T, method: keyof T, parties: number): () => void {
  const original = target[method] as (...args: unknown[]) => Promise<unknown>;
  const all = signal();
  let arrived = 0;
  const gated = async (...args: unknown[]) => {
    const result = await original.apply(target, args);
    if (++arrived >= parties) all.fire();
    await all.promise;
    return result;
  };
  Object.assign(target, { [method]: gated });
  return () => {
    Object.assign(target, { [method]: original });
  };
}

/**
 * Wraps a blob store so a test can see a part upload reach the store (`called`), see its first
 * body bytes consumed by the real store (`streaming`), and optionally hold the call before the
 * real store sees it (`hold`); likewise for `complete` (`completeCalled`, `holdComplete`).
 */
export class GatedBlobStore implements BlobStore {
  called = signal();
  streaming = signal();
  completeCalled = signal();
  hold: Promise<void> | null = null;
  holdComplete: Promise<void> | null = null;

  constructor(readonly inner: BlobStore) {}

  /** Fresh signals for the next part upload. */
  reset(): void {
    this.called = signal();
    this.streaming = signal();
    this.completeCalled = signal();
  }

  begin(key: string) {
    return this.inner.begin(key);
  }

  async putPart(
    key: string,
    handle: string | null,
    n: number,
    body: Readable,
    expected: { size: number; sha256: string },
  ) {
    this.called.fire();
    if (this.hold !== null) await this.hold;
    const streaming = this.streaming;
    // A pulled stream: the generator runs only once the real store reads, so `streaming` means the
    // store has set up its write (on disk: created the part directory) and is consuming the body.
    async function* pulled() {
      for await (const chunk of body) {
        streaming.fire();
        yield chunk as Buffer;
      }
    }
    return this.inner.putPart(
      key,
      handle,
      n,
      Readable.from(pulled(), { objectMode: false }),
      expected,
    );
  }

  async complete(
    key: string,
    handle: string | null,
    parts: readonly { n: number; etag: string }[],
    layout: BlobLayout,
  ) {
    this.completeCalled.fire();
    if (this.holdComplete !== null) await this.holdComplete;
    return this.inner.complete(key, handle, parts, layout);
  }

  read(key: string, layout: BlobLayout, start: number, end: number) {
    return this.inner.read(key, layout, start, end);
  }

  async discardPart(key: string, handle: string | null, n: number, etag: string) {
    await this.inner.discardPart?.(key, handle, n, etag);
  }

  delete(key: string, handle: string | null) {
    return this.inner.delete(key, handle);
  }

  close() {
    return this.inner.close();
  }
}

/** A part upload whose body the test writes piece by piece over a real connection. */
export function slowPut(
  relay: { url: string },
  token: string,
  transferId: string,
  n: number,
  data: Uint8Array,
) {
  const req = request(`${relay.url}/api/transfers/upload/${transferId}/parts/${n}`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/octet-stream',
      'content-length': String(data.length),
      'x-datacrypt-sha256': sha256(data),
    },
  });
  const response = new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, body: text === '' ? null : JSON.parse(text) });
      });
    });
  });
  return {
    response,
    write: (chunk: Uint8Array) =>
      new Promise<void>((resolve, reject) => {
        req.write(chunk, (err) => {
          if (err) reject(err);
          else resolve();
        });
      }),
    end: () => {
      req.end();
    },
  };
}
