import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { DataCryptError } from '../errors.js';
import { pathExists } from './path-exists.js';
import { decryptStream, type DecryptParams, type DecryptResult } from '../format/decrypt.js';
import {
  encryptEntries,
  type EncryptParams,
  type EncryptResult,
  type SourceEntry,
} from '../format/encrypt.js';
import { fileSystemSink, type OutputTarget } from './output-sink.js';
import { fileReader, sourcesFromPaths } from './sources.js';
import { inlineExecutor, workerPool } from './worker-pool.js';
import type { BatchExecutor } from '../format/batch.js';

/** How the bulk work runs: worker threads (default: one per core, at most 4) or inline (0). */
export interface NodeRunOptions {
  parallelism?: number;
  /** fsync outputs before they are renamed into place (default false: the input still exists). */
  durable?: boolean;
  onProgress?: (bytes: number) => void;
}

async function withExecutor<T>(
  options: NodeRunOptions,
  run: (executor: BatchExecutor) => Promise<T>,
): Promise<T> {
  const executor = options.parallelism === 0 ? inlineExecutor() : workerPool(options.parallelism);
  try {
    return await run(executor);
  } finally {
    await executor.close();
  }
}

/**
 * Encrypts entries into a file, atomically: the output appears only when complete.
 * @example
 * await encryptToFile(await sourcesFromPaths(['photos']), 'photos.dcrypt', { sender, recipients });
 */
export async function encryptToFile(
  entries: readonly SourceEntry[],
  outputPath: string,
  params: EncryptParams,
  options: NodeRunOptions = {},
): Promise<EncryptResult> {
  if (await pathExists(outputPath))
    throw new DataCryptError('E_OUTPUT_EXISTS', `${outputPath} already exists`);
  const temp = join(dirname(outputPath), `.${randomBytes(8).toString('hex')}.dcrypt-partial`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    const io = {
      write: async (bytes: Uint8Array) => {
        let at = 0;
        while (at < bytes.length)
          at += (await handle.write(bytes, at, bytes.length - at)).bytesWritten;
      },
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    };
    const result = await withExecutor(options, (executor) =>
      encryptEntries(entries, params, { ...io, executor }),
    );
    if (options.durable === true) await handle.sync();
    await handle.close();
    if (await pathExists(outputPath))
      throw new DataCryptError('E_OUTPUT_EXISTS', `${outputPath} already exists`);
    await rename(temp, outputPath);
    return result;
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Encrypts files and folders on disk into one DataCrypt file.
 * @example
 * await encryptPaths(['report.pdf'], 'report.pdf.dcrypt', { sender: alice, recipients: [bob] });
 */
export async function encryptPaths(
  paths: readonly string[],
  outputPath: string,
  params: EncryptParams,
  options: NodeRunOptions = {},
): Promise<EncryptResult> {
  return encryptToFile(await sourcesFromPaths(paths), outputPath, params, options);
}

/**
 * Encrypts one stream of unknown length (e.g. stdin) to a writable (e.g. stdout), with backpressure.
 * @example
 * await encryptStreamTo(process.stdin, process.stdout, { sender, recipients }, { name: 'stdin' });
 */
export async function encryptStreamTo(
  input: AsyncIterable<Uint8Array>,
  output: Writable,
  params: EncryptParams,
  options: NodeRunOptions & { name?: string; size?: number | null } = {},
): Promise<EncryptResult> {
  const entry: SourceEntry = {
    type: 'file',
    path: options.name ?? 'stdin',
    size: options.size ?? null,
    read: () => input,
  };
  return withExecutor(options, (executor) =>
    encryptEntries([entry], params, {
      executor,
      write: (bytes) => writeTo(output, bytes),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    }),
  );
}

/**
 * Writes to a Node writable and resolves once the stream has flushed these bytes (so the caller
 * may reuse the buffer), which also gives backpressure.
 * @example
 * await writeTo(process.stdout, bytes);
 */
export function writeTo(output: Writable, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    output.write(bytes, (error) => {
      if (error) reject(new DataCryptError('E_IO', error.message, { cause: error }));
      else resolve();
    });
  });
}

/**
 * Decrypts a DataCrypt file (a path or any byte stream) to disk, verifying everything before the
 * output appears (see OutputTarget for where it goes).
 * @example
 * const { manifest, sender } = await decryptToPath('in.dcrypt', { mode: 'auto', path: 'out' }, { identity: me });
 */
export async function decryptToPath(
  input: string | AsyncIterable<Uint8Array>,
  target: OutputTarget,
  params: DecryptParams,
  options: NodeRunOptions = {},
): Promise<DecryptResult & { outputs: string[] }> {
  const source = typeof input === 'string' ? fileReader(input) : input;
  const sink = fileSystemSink(target, { durable: options.durable === true });
  const result = await withExecutor(options, (executor) =>
    decryptStream(source, params, {
      executor,
      sink,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    }),
  );
  return { ...result, outputs: sink.released() };
}
