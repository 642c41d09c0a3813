import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import {
  access,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  stat,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import type { BlobLayout, BlobStore } from '../../ports.js';
import { whenWritable } from '../../services/when-writable.js';
import { removeStaleFiles } from './stale-files.js';
import { writeVerified } from './write-verified.js';

// Keys are server-generated ids; this check keeps a bug elsewhere from becoming path traversal.
const SAFE_KEY = /^[A-Za-z0-9_-]{16,64}$/;

function checkKey(key: string): string {
  if (!SAFE_KEY.test(key)) throw new Error(`unsafe blob key`);
  return key;
}

// Versions are generated here, never taken from a client.
const VERSION = /^[0-9a-f]{16}$/;

/**
 * Parts live as separate files (`<root>/<ab>/<key>/<n>`); reads stitch them, so finalize is cheap.
 * Each upload of part n lands as its own version `<n>.<version>` (the etag), and only `complete`
 * renames the versions the record names to `<n>`: a part upload that loses a race with finalize
 * can never replace a byte of a finalized transfer. The folder is made by `begin` and never
 * re-made by a part upload, so a part arriving after `delete` fails instead of leaving an orphan.
 */
export class DiskBlobStore implements BlobStore {
  /** Parts are written here first; keys cannot start with '.', so it never clashes with a blob. */
  private readonly incoming: string;

  constructor(private readonly root: string) {
    this.incoming = join(root, '.incoming');
  }

  /** Removes part files a killed process left in `.incoming`. */
  removeStaleTemporaries(maxAgeMs: number, now = Date.now()): Promise<number> {
    return removeStaleFiles(this.incoming, maxAgeMs, now);
  }

  private dir(key: string): string {
    const safe = checkKey(key);
    return join(this.root, safe.slice(0, 2), safe);
  }

  async begin(key: string): Promise<string | null> {
    await mkdir(this.dir(key), { recursive: true });
    return null;
  }

  async putPart(
    key: string,
    _handle: string | null,
    n: number,
    body: Readable,
    expected: { size: number; sha256: string },
  ): Promise<{ etag: string }> {
    if (!Number.isSafeInteger(n) || n < 1) throw new Error('bad part number');
    const dir = this.dir(key);
    await mkdir(this.incoming, { recursive: true });
    const version = randomBytes(8).toString('hex');
    const temp = join(this.incoming, `${key}.${n}.${version}.tmp`);
    try {
      await writeVerified(temp, body, expected, { sync: true });
      // ENOENT when the transfer was deleted meanwhile: the folder is not made again.
      await rename(temp, join(dir, `${String(n)}.${version}`));
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
    await syncDir(dir);
    return { etag: version };
  }

  /** Removes one stored version of a part (a write that lost to finalize or revoke). */
  async discardPart(key: string, _handle: string | null, n: number, etag: string): Promise<void> {
    if (!Number.isSafeInteger(n) || n < 1 || !VERSION.test(etag)) return;
    await rm(join(this.dir(key), `${String(n)}.${etag}`), { force: true });
  }

  /**
   * Puts the named version of every part in place as `<n>` and drops other versions. Idempotent:
   * a part whose version is gone but whose `<n>` exists was put in place by an earlier call.
   */
  async complete(
    key: string,
    _handle: string | null,
    parts: readonly { n: number; etag: string }[],
    _layout?: BlobLayout,
  ): Promise<void> {
    const dir = this.dir(key);
    for (const { n, etag } of parts) {
      const final = join(dir, String(n));
      if (VERSION.test(etag)) {
        try {
          await rename(join(dir, `${String(n)}.${etag}`), final);
          continue;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
      await stat(final);
    }
    await syncDir(dir);
    const wanted = new Set(parts.map((p) => String(p.n)));
    for (const name of await readdir(dir)) {
      if (!wanted.has(name)) await rm(join(dir, name), { force: true });
    }
  }

  /**
   * Opens every part the range touches before returning, so a missing blob is an error the caller
   * can answer with a status code, and a concurrent delete cannot cut the stream short.
   */
  async read(key: string, layout: BlobLayout, start: number, end: number): Promise<Readable> {
    const dir = this.dir(key);
    const first = Math.floor(start / layout.partSize);
    const last = Math.floor(end / layout.partSize);
    const handles: FileHandle[] = [];
    const closeAll = () => Promise.allSettled(handles.map((h) => h.close()));
    try {
      for (let i = first; i <= last; i++) handles.push(await open(join(dir, String(i + 1)), 'r'));
    } catch (err) {
      await closeAll();
      throw err;
    }
    // The parts are pumped into one stream by hand, not by a pipeline per part (each of those
    // left a listener on the shared stream: a warning per download of more than 10 parts). The
    // pump starts at once, so handles close even if the caller never reads (small blobs).
    const out = new PassThrough({ highWaterMark: 1024 * 1024 });
    void (async () => {
      for (const [k, fh] of handles.entries()) {
        const base = (first + k) * layout.partSize;
        const part = fh.createReadStream({
          start: Math.max(start - base, 0),
          end: Math.min(end - base, layout.partSize - 1),
          highWaterMark: 1024 * 1024,
          autoClose: false,
        });
        for await (const chunk of part as AsyncIterable<Buffer>) {
          if (out.destroyed) return;
          if (!out.write(chunk)) await whenWritable(out);
        }
      }
      out.end();
    })()
      .catch((err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))))
      .finally(() => void closeAll());
    return out;
  }

  /**
   * Streams stored version `etag` of part n from byte `start` of the part, before or after
   * `complete` (which renames the version to `<n>`). The file is opened before this returns, so a
   * later rename or delete cannot cut the stream short.
   */
  async readStoredPart(key: string, n: number, etag: string, start: number): Promise<Readable> {
    if (!Number.isSafeInteger(n) || n < 1 || !VERSION.test(etag)) throw new Error('bad part');
    const dir = this.dir(key);
    let fh: FileHandle;
    try {
      fh = await open(join(dir, `${String(n)}.${etag}`), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      fh = await open(join(dir, String(n)), 'r');
    }
    return fh.createReadStream({ start, highWaterMark: 1024 * 1024 });
  }

  async delete(key: string, _handle: string | null): Promise<void> {
    await rm(this.dir(key), { recursive: true, force: true });
  }

  /** The blob folder exists (created if missing) and is writable by this process. */
  async ping(): Promise<void> {
    await mkdir(this.incoming, { recursive: true });
    await access(this.incoming, constants.W_OK);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function syncDir(dir: string): Promise<void> {
  // Makes the rename itself durable; some platforms cannot fsync a directory, which is harmless.
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* directory fsync unsupported */
  }
}
