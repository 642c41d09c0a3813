import { createReadStream, fstatSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Writable } from 'node:stream';
import {
  DataCryptError,
  decryptStream,
  encryptEntries,
  encryptToFile,
  fileReader,
  fileSystemSink,
  inlineExecutor,
  sourcesFromPaths,
  workerPool,
  writeTo,
  type BatchExecutor,
  type DecryptParams,
  type DecryptResult,
  type DecryptSink,
  type EncryptParams,
  type EncryptResult,
  type FileEntry,
  type Manifest,
  type SourceEntry,
} from '@datacrypt/shared-crypto';
import { ioError } from './fs-errors.js';
import { cleanupOnInterrupt, withPrivateTempDir } from './temp.js';

/**
 * Offline encryption and decryption (no relay): files, folders and streams to a `.dcrypt` file or
 * a stream, and back. The CLI's `encrypt`/`decrypt` and the app's offline decrypt use these.
 * @module
 */

/** Tuning and progress for one run. */
export interface OfflineOptions {
  /** Worker threads for the bulk AES (default: shared-crypto's choice; 0 runs inline). */
  parallelism?: number | undefined;
  /** Cumulative bytes: plaintext when encrypting, ciphertext when decrypting. */
  onProgress?: ((bytes: number) => void) | undefined;
}

/** What will be encrypted, known before any byte is read. */
export interface EncryptionPlan {
  entries: SourceEntry[];
  /** Plaintext bytes to encrypt, or null when a stream of unknown length. */
  totalBytes: number | null;
}

/**
 * Plans the encryption of files and folders on disk (symbolic links inside folders are skipped).
 * E_IO when a path cannot be read, E_ARGUMENT for two inputs with the same name.
 * @example
 * const plan = await planPaths(['report.pdf', 'photos']);
 */
export async function planPaths(paths: readonly string[]): Promise<EncryptionPlan> {
  const entries = await sourcesFromPaths(paths);
  let total = 0;
  for (const entry of entries) if (entry.type === 'file') total += entry.size ?? 0;
  return { entries, totalBytes: total };
}

/**
 * Plans the encryption of one byte stream (e.g. stdin) as a single file named `name`.
 * `size` is its exact length when known (a redirected regular file), else null.
 * @example
 * const plan = planStream(process.stdin, 'notes.txt', regularFileSize(0));
 */
export function planStream(
  stream: AsyncIterable<Uint8Array>,
  name: string,
  size: number | null,
): EncryptionPlan {
  return { entries: [{ type: 'file', path: name, size, read: () => stream }], totalBytes: size };
}

/**
 * The size of an open file descriptor when it is a regular file (e.g. `< file` on stdin), else null.
 * @example
 * regularFileSize(0); // 1048576 for `datacrypt encrypt ... < 1MiB.bin`, null for a pipe
 */
export function regularFileSize(fd: number): number | null {
  try {
    const info = fstatSync(fd);
    return info.isFile() ? info.size : null;
  } catch {
    return null;
  }
}

/**
 * The size of an input file, or E_IO naming it when it cannot be read.
 * @example
 * const total = await inputFileSize('in.dcrypt');
 */
export async function inputFileSize(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new DataCryptError('E_IO', `${path} is not a file`);
    return info.size;
  } catch (error) {
    throw ioError(error, `cannot read ${path}`);
  }
}

function executorFor(options: OfflineOptions): BatchExecutor {
  return options.parallelism === 0 ? inlineExecutor() : workerPool(options.parallelism);
}

/** Where ciphertext goes: a new file (written atomically) or a stream. */
export type CiphertextTarget = { file: string } | { stream: Writable };

/**
 * Encrypts a plan to a new file (atomic; E_OUTPUT_EXISTS if it exists) or to a stream.
 * @example
 * await encryptPlan(await planPaths(['a.txt']), { file: 'a.txt.dcrypt' }, { sender: me, recipients: [bob] });
 */
export async function encryptPlan(
  plan: EncryptionPlan,
  target: CiphertextTarget,
  params: EncryptParams,
  options: OfflineOptions = {},
): Promise<EncryptResult> {
  const progress = options.onProgress ? { onProgress: options.onProgress } : {};
  if ('file' in target) {
    const run = options.parallelism === undefined ? {} : { parallelism: options.parallelism };
    return encryptToFile(plan.entries, target.file, params, { ...run, ...progress });
  }
  const executor = executorFor(options);
  try {
    return await encryptEntries(plan.entries, params, {
      executor,
      write: (bytes) => writeTo(target.stream, bytes),
      ...progress,
    });
  } finally {
    await executor.close();
  }
}

/** Where ciphertext comes from: a file path or a byte stream (e.g. stdin). */
export type CiphertextSource = string | AsyncIterable<Uint8Array>;

/**
 * Decrypts to disk, releasing the output only after everything verified. A transfer of exactly one
 * file becomes `path` itself; anything else is extracted into the folder `path`. A `path` ending
 * with a separator is always a folder (created if missing) to extract into.
 * @example
 * const { sender, outputs } = await decryptToDisk('in.dcrypt', 'out', { identity: me });
 */
export async function decryptToDisk(
  source: CiphertextSource,
  path: string,
  params: DecryptParams,
  options: OfflineOptions = {},
): Promise<DecryptResult & { outputs: string[] }> {
  // A trailing separator says "this is a folder": extract into it even a single file.
  const mode = path.endsWith('/') || path.endsWith(sep) ? 'directory' : 'auto';
  const sink = fileSystemSink({ mode, path });
  const result = await decryptWithSink(source, sink, params, options);
  return { ...result, outputs: sink.released() };
}

/** decryptStream with our executor; the sink is aborted if the process is interrupted. */
async function decryptWithSink(
  source: CiphertextSource,
  sink: DecryptSink,
  params: DecryptParams,
  options: OfflineOptions,
): Promise<DecryptResult> {
  // A path is read straight into the decryptor's buffers (no stream pieces to copy or collect).
  const input = typeof source === 'string' ? fileReader(source) : source;
  const executor = executorFor(options);
  const unregister = cleanupOnInterrupt(() => sink.abort());
  try {
    return await decryptStream(input, params, {
      executor,
      sink,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  } finally {
    unregister();
    await executor.close();
  }
}

/**
 * Raised (before any content is written) when a transfer meant for a stream holds more than one
 * file, or a folder. `entries` is how many entries the manifest has.
 */
export class NotSingleFileError extends DataCryptError {
  readonly entries: number;

  constructor(entries: number) {
    super(
      'E_ARGUMENT',
      `the file holds a folder or several files (${entries} entries); extract it to a folder instead`,
    );
    this.entries = entries;
  }
}

function isSingleFile(manifest: Manifest): boolean {
  return manifest.entries.length === 1 && manifest.entries[0]?.type === 'file';
}

/**
 * Decrypts a single-file transfer to a stream, releasing no byte before the whole file verified:
 * it is decrypted into a private temporary folder first, then copied to `output`, then deleted.
 * A transfer with several entries fails early with NotSingleFileError.
 * @example
 * const { sender } = await decryptToStream(process.stdin, process.stdout, { identity: me });
 */
export async function decryptToStream(
  source: CiphertextSource,
  output: Writable,
  params: DecryptParams,
  options: OfflineOptions = {},
): Promise<DecryptResult & { entry: FileEntry }> {
  return withPrivateTempDir(async (dir) => {
    const path = join(dir, 'plaintext');
    const inner = fileSystemSink({ mode: 'auto', path });
    const sink: DecryptSink = {
      begin: async (manifest, sender, manifestBytes) => {
        if (!isSingleFile(manifest)) throw new NotSingleFileError(manifest.entries.length);
        await inner.begin(manifest, sender, manifestBytes);
      },
      write: (entry, index, bytes, replayed) => inner.write(entry, index, bytes, replayed),
      commit: () => inner.commit(),
      abort: () => inner.abort(),
    };
    const result = await decryptWithSink(source, sink, params, options);
    for await (const piece of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
      await writeTo(output, piece as Buffer);
    }
    const entry = result.manifest.entries[0] as FileEntry;
    return { ...result, entry };
  });
}
