import { DataCryptError } from '../errors.js';
import { MAX_MANIFEST_LENGTH, MIN_MANIFEST_LENGTH, UNKNOWN_PAYLOAD_SIZE } from './constants.js';
import { contentLength, parseManifest, type FileEntry, type Manifest } from './manifest.js';

/** Receives what the payload plaintext contains, in order (SPEC.md §6.2). */
export interface PlaintextHandler {
  /** The parsed manifest and its exact bytes `M` (SPEC.md §6.2). */
  manifest(manifest: Manifest, bytes: Uint8Array): Promise<void>;
  /**
   * Bytes of `entry` (the `index`-th manifest entry), in order; never empty. The bytes are only
   * valid until the returned promise settles (the buffer is reused).
   */
  content(entry: FileEntry, index: number, bytes: Uint8Array): Promise<void>;
}

type Stage = 'length' | 'manifest' | 'content' | 'padding';

/**
 * Splits the decrypted payload into manifest, per-file content and padding, checking every length
 * against the manifest and payload_size (SPEC.md §9 steps 11 and 13).
 * @example
 * const reader = new PlaintextReader(header.payloadSize, handler);
 * for (const plain of chunks) await reader.push(plain);
 * reader.finish();
 */
export class PlaintextReader {
  private stage: Stage = 'length';
  private pending: Uint8Array[] = [];
  private pendingLength = 0;
  private needed = 4;
  private manifestValue: Manifest | null = null;
  private fileIndexes: number[] = [];
  private current = 0;
  private remainingInFile = 0;
  private remainingPadding = 0;

  constructor(
    private readonly payloadSize: number,
    private readonly handler: PlaintextHandler,
  ) {}

  get manifest(): Manifest | null {
    return this.manifestValue;
  }

  async push(plain: Uint8Array): Promise<void> {
    let bytes = plain;
    while (bytes.length > 0) {
      if (this.stage === 'length' || this.stage === 'manifest') {
        const n = Math.min(bytes.length, this.needed - this.pendingLength);
        // A copy: the caller reuses `plain` once push returns, and the manifest may span batches.
        // (Not `bytes.slice`: on a Node Buffer that is a view, which the next batch overwrites.)
        this.pending.push(new Uint8Array(bytes.subarray(0, n)));
        this.pendingLength += n;
        bytes = bytes.subarray(n);
        if (this.pendingLength === this.needed) await this.completeStage();
      } else if (this.stage === 'content') {
        bytes = await this.pushContent(bytes);
      } else {
        if (bytes.length > this.remainingPadding) {
          throw new DataCryptError('E_FORMAT', 'the payload continues after the padding');
        }
        if (bytes.some((b) => b !== 0))
          throw new DataCryptError('E_FORMAT', 'a padding byte is not zero');
        this.remainingPadding -= bytes.length;
        bytes = bytes.subarray(bytes.length);
      }
    }
  }

  /** Called after the final chunk: everything the manifest declared must have arrived. */
  finish(): void {
    if (this.stage === 'length' || this.stage === 'manifest') {
      throw new DataCryptError('E_MANIFEST', 'the payload ends inside the manifest');
    }
    if (this.stage === 'content' && this.remainingInFile > 0 && this.remainingInFile !== Infinity) {
      throw new DataCryptError('E_TRUNCATED', 'the payload ends before the declared content');
    }
    this.advanceFile();
    if (
      this.stage === 'content' &&
      this.current < this.fileIndexes.length &&
      this.remainingInFile !== Infinity
    ) {
      throw new DataCryptError('E_TRUNCATED', 'the payload ends before the declared content');
    }
    if (this.remainingPadding > 0)
      throw new DataCryptError('E_TRUNCATED', 'the payload ends inside the padding');
  }

  private async completeStage(): Promise<void> {
    const bytes = joinPieces(this.pending, this.pendingLength);
    this.pending = [];
    this.pendingLength = 0;
    if (this.stage === 'length') {
      const length = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
      if (length < MIN_MANIFEST_LENGTH || length > MAX_MANIFEST_LENGTH) {
        throw new DataCryptError('E_MANIFEST', `manifest length ${length} is out of range`);
      }
      if (this.payloadSize !== UNKNOWN_PAYLOAD_SIZE && 4 + length > this.payloadSize) {
        throw new DataCryptError('E_MANIFEST', 'the manifest runs past the end of the payload');
      }
      this.stage = 'manifest';
      this.needed = length;
      return;
    }
    const manifest = parseManifest(bytes);
    const content = contentLength(manifest);
    if (this.payloadSize === UNKNOWN_PAYLOAD_SIZE) {
      if (content !== null)
        throw new DataCryptError('E_MANIFEST', 'sizes are declared but payload_size is unknown');
    } else if (
      content === null ||
      4 + bytes.length + content + manifest.padding !== this.payloadSize
    ) {
      throw new DataCryptError('E_MANIFEST', 'the manifest sizes do not add up to payload_size');
    }
    this.manifestValue = manifest;
    manifest.entries.forEach((e, i) => {
      if (e.type === 'file') this.fileIndexes.push(i);
    });
    this.remainingPadding = manifest.padding;
    this.stage = 'content';
    this.current = -1;
    this.remainingInFile = 0;
    await this.handler.manifest(manifest, bytes);
    this.advanceFile();
  }

  /** Moves past files that are complete (including empty ones); switches to padding after the last. */
  private advanceFile(): void {
    while (this.stage === 'content' && this.remainingInFile === 0) {
      this.current++;
      const index = this.fileIndexes.at(this.current);
      if (index === undefined) {
        this.stage = 'padding';
        return;
      }
      const entry = this.manifestValue?.entries[index] as FileEntry;
      this.remainingInFile = entry.size ?? Infinity;
    }
  }

  private async pushContent(bytes: Uint8Array): Promise<Uint8Array> {
    this.advanceFile();
    if (this.stage !== 'content') return bytes;
    const index = this.fileIndexes[this.current] ?? -1;
    const entry = this.manifestValue?.entries[index] as FileEntry;
    const n = Math.min(bytes.length, this.remainingInFile);
    await this.handler.content(entry, index, bytes.subarray(0, n));
    this.remainingInFile -= n;
    const rest = bytes.subarray(n);
    this.advanceFile();
    return rest;
  }
}

function joinPieces(pieces: Uint8Array[], length: number): Uint8Array {
  const only = pieces.at(0);
  if (pieces.length === 1 && only !== undefined) return only;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
