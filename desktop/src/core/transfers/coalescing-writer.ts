import { open, type FileHandle } from 'node:fs/promises';

/**
 * Appends a stream of small chunks (network reads) to a file through a few reused buffers, one
 * large write each, written in order while the next buffers fill.
 *
 * Why: one awaited write per network read (64 KiB) stalls the download on every disk round trip
 * and costs a thread-pool hand-off per read; a write stream keeps each network buffer alive until
 * the disk took it. Copying once into a few long-lived 1 MiB buffers gives 16 times fewer writes
 * that overlap the download (measured on the 1 GiB desktop bench: receive CPU 13.6 -> ~12 s).
 * @example
 * const out = await CoalescingWriter.append('x.part');
 * for await (const chunk of body) await out.write(chunk);
 * await out.close();
 */
export class CoalescingWriter {
  private readonly free: Buffer[] = [];
  /** The buffer being filled; null while switching to the next one. */
  private current: Buffer | null;
  private filled = 0;
  /** Set while the full buffer is handed over and a free one awaited. */
  private switching: Promise<void> | null = null;
  /** The writes, one after another: appends must land in order, and a kill must leave no hole. */
  private tail: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  private closed = false;
  private lastWrite = 0;
  private readonly idleTimer: NodeJS.Timeout;

  private constructor(
    private readonly handle: FileHandle,
    bufferSize: number,
    buffers: number,
    idleFlushMs: number,
  ) {
    for (let i = 0; i < buffers; i++) this.free.push(Buffer.allocUnsafeSlow(bufferSize));
    this.current = this.take();
    // A stalled or slow download still reaches the disk within ~idleFlushMs, so a kill loses at
    // most that much and a resume re-fetches only what is really missing.
    this.idleTimer = setInterval(() => {
      if (this.filled > 0 && this.switching === null && Date.now() - this.lastWrite >= idleFlushMs)
        void this.switchBuffer().catch(() => undefined);
    }, idleFlushMs);
    this.idleTimer.unref();
  }

  /**
   * Opens `path` for appending (created with mode 0600 when missing).
   * @example
   * const out = await CoalescingWriter.append(path, { bufferSize: 1 << 20, buffers: 3 });
   */
  static async append(
    path: string,
    options: { bufferSize?: number; buffers?: number; idleFlushMs?: number } = {},
  ): Promise<CoalescingWriter> {
    const handle = await open(path, 'a', 0o600);
    return new CoalescingWriter(
      handle,
      Math.max(1, options.bufferSize ?? 1024 * 1024),
      Math.max(2, options.buffers ?? 3),
      Math.max(1, options.idleFlushMs ?? 100),
    );
  }

  private take(): Buffer {
    const buffer = this.free.pop();
    if (buffer === undefined) throw new Error('no free buffer');
    return buffer;
  }

  /** Copies `chunk` in; waits only when every buffer is full and waiting for the disk. */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.closed) throw new Error('write after close');
    this.lastWrite = Date.now();
    let at = 0;
    while (at < chunk.length) {
      while (this.switching !== null) await this.switching;
      if (this.failure !== null) throw this.failure;
      const current = this.current;
      if (current === null) throw new Error('no buffer to write into');
      const n = Math.min(chunk.length - at, current.length - this.filled);
      current.set(chunk.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === current.length) await this.switchBuffer();
    }
  }

  /** Queues what the current buffer holds for writing and moves on to a free buffer. */
  private switchBuffer(): Promise<void> {
    const buffer = this.current;
    const length = this.filled;
    if (buffer === null || this.switching !== null) return this.switching ?? Promise.resolve();
    // From here on nothing may copy into `buffer`: it belongs to the write until it is free again.
    this.current = null;
    this.filled = 0;
    this.tail = this.tail.then(async () => {
      try {
        // Once one write failed nothing after it may land: the file would get a gap.
        if (this.failure !== null) return;
        let done = 0;
        while (done < length) {
          done += (await this.handle.write(buffer, done, length - done, null)).bytesWritten;
        }
      } catch (error) {
        this.failure ??= error instanceof Error ? error : new Error(String(error));
      } finally {
        this.free.push(buffer);
      }
    });
    const switching = (async () => {
      while (this.free.length === 0) await this.tail;
      this.current = this.take();
    })();
    this.switching = switching;
    return switching.finally(() => {
      this.switching = null;
      if (this.failure !== null) throw this.failure;
    });
  }

  /** Writes what is buffered, waits for every write and closes the file; the first error throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.idleTimer);
    try {
      while (this.switching !== null) await this.switching.catch(() => undefined);
      if (this.failure === null && this.filled > 0) await this.switchBuffer();
      await this.tail;
      if (this.failure !== null) throw this.failure;
    } finally {
      await this.handle.close();
    }
  }
}
