import type { ContentReader } from './encrypt.js';

/**
 * Pulls exact byte counts out of an async stream of arbitrarily sized pieces, without copying
 * more than once. Decryption reads the header, chunks and the signature record through it.
 * @example
 * const reader = new ByteReader(fs.createReadStream(path));
 * const header = await reader.read(100); // may be shorter at end of input
 */
export class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array> | null;
  private readonly direct: ContentReader | null;
  private readonly pieces: Uint8Array[] = [];
  private buffered = 0;
  private ended = false;
  /** Bytes handed out so far. */
  position = 0;

  /** A ContentReader source is read straight into the caller's buffers by `readInto`. */
  constructor(source: AsyncIterable<Uint8Array> | ContentReader) {
    if ('readInto' in source) {
      this.direct = source;
      this.iterator = null;
    } else {
      this.direct = null;
      this.iterator = source[Symbol.asyncIterator]();
    }
  }

  private async next(want: number): Promise<Uint8Array | null> {
    if (this.iterator !== null) {
      const next = await this.iterator.next();
      return next.done === true ? null : next.value;
    }
    const buffer = new Uint8Array(Math.max(want, 64 * 1024));
    const n = (await this.direct?.readInto(buffer)) ?? 0;
    return n === 0 ? null : buffer.subarray(0, n);
  }

  /** Buffers until `length` bytes are available or the input ends; returns how many are available. */
  async fill(length: number): Promise<number> {
    while (this.buffered < length && !this.ended) {
      const next = await this.next(length - this.buffered);
      if (next === null) {
        this.ended = true;
      } else if (next.length > 0) {
        this.pieces.push(next);
        this.buffered += next.length;
      }
    }
    return Math.min(this.buffered, length);
  }

  /** True when nothing is buffered and the input has ended. */
  async atEnd(): Promise<boolean> {
    return (await this.fill(1)) === 0;
  }

  /** Reads up to `length` bytes (fewer only at the end of input). */
  async read(length: number): Promise<Uint8Array> {
    const available = await this.fill(length);
    return this.take(available);
  }

  /** Like `read`, but always into a new buffer that the caller owns outright (safe to transfer). */
  async readCopy(length: number): Promise<Uint8Array> {
    const available = await this.fill(length);
    return this.take(available, true);
  }

  /** Copies up to `target.length` bytes into `target` (fewer only at the end of input). */
  async readInto(target: Uint8Array): Promise<number> {
    const available =
      this.direct !== null
        ? Math.min(this.buffered, target.length)
        : await this.fill(target.length);
    let at = 0;
    while (at < available) {
      const piece = this.pieces.at(0);
      if (piece === undefined) break;
      const n = Math.min(piece.length, available - at);
      target.set(piece.subarray(0, n), at);
      at += n;
      if (n === piece.length) this.pieces.shift();
      else this.pieces[0] = piece.subarray(n);
    }
    this.position += at;
    this.buffered -= at;
    // A direct source fills the rest of the target itself: no intermediate buffer, no copy.
    while (this.direct !== null && at < target.length && !this.ended) {
      const n = await this.direct.readInto(target.subarray(at));
      if (n === 0) this.ended = true;
      at += n;
      this.position += n;
    }
    return at;
  }

  /** Looks at up to `length` bytes without consuming them. */
  async peek(length: number): Promise<Uint8Array> {
    const available = await this.fill(length);
    const bytes = this.take(available);
    this.pieces.unshift(bytes);
    this.buffered += bytes.length;
    this.position -= bytes.length;
    return bytes;
  }

  /** Stops the underlying source (closes a file stream early on failure). */
  async cancel(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      await this.iterator?.return?.();
    }
    await this.direct?.close();
  }

  private take(length: number, copy = false): Uint8Array {
    this.position += length;
    this.buffered -= length;
    const first = this.pieces.at(0);
    if (!copy && first !== undefined && first.length >= length) {
      if (first.length === length) this.pieces.shift();
      else this.pieces[0] = first.subarray(length);
      return first.subarray(0, length);
    }
    const out = new Uint8Array(length);
    let at = 0;
    while (at < length) {
      const piece = this.pieces.at(0);
      if (piece === undefined) break;
      const n = Math.min(piece.length, length - at);
      out.set(piece.subarray(0, n), at);
      at += n;
      if (n === piece.length) this.pieces.shift();
      else this.pieces[0] = piece.subarray(n);
    }
    return out;
  }
}
