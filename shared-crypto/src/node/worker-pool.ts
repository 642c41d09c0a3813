import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import * as nodeCrypto from 'node:crypto';
import { runBatchNode, type BatchExecutor, type BatchResult } from '../format/batch.js';

/**
 * Runs every batch on the calling thread with node:crypto.
 * @example
 * const executor = inlineExecutor();
 */
export function inlineExecutor(): BatchExecutor {
  const collect = youngGenerationCollector();
  return {
    concurrency: 1,
    allocate: (length) => new Uint8Array(length),
    run: (job) => {
      const result = { ...runBatchNode(nodeCrypto, job), input: job.data };
      // Same reason as in the workers below: node:crypto's per-chunk buffers pile up as garbage.
      // On this thread the network's and the file system's buffers do too, so it collects after
      // every batch (1 MiB): in the desktop bench that took the receiver from ~8 to ~5.4 CPU-s per
      // GiB and its peak RSS from ~128 to ~100 MB (far fewer full collections forced by external
      // memory), for ~1 000 young-generation collections of well under a millisecond each.
      collect?.();
      return Promise.resolve(result);
    },
    close: () => Promise.resolve(),
  };
}

let mainCollector: (() => void) | null | undefined;

/**
 * A young-generation collection for the calling thread, or null where V8 does not allow one.
 * `gc` is only a global with --expose-gc; a context created after the flag is set has it.
 * Bulk I/O that allocates a buffer per read (file and socket streams) calls it every few MiB, so
 * dead buffers are freed at once instead of piling up as external memory until V8 notices.
 * @example
 * const collect = youngGenerationCollector();
 * stream.on('data', () => { if (++reads % 8 === 0) collect?.(); });
 */
export function youngGenerationCollector(): (() => void) | null {
  if (mainCollector !== undefined) return mainCollector;
  try {
    exposeGcToWorkers();
    const gc: unknown = runInNewContext('gc');
    mainCollector =
      typeof gc === 'function'
        ? () => {
            (gc as (o: { type: string }) => void)({ type: 'minor' });
          }
        : null;
  } catch {
    mainCollector = null;
  }
  return mainCollector;
}

// The worker runs the same function as the inline path, from its source text, so there is no second
// file to build or locate at run time (tests run from TypeScript sources, users from dist/).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const crypto = require('node:crypto');
const runBatchNode = ${runBatchNode.toString()};
let batches = 0;
parentPort.on('message', ({ id, job }) => {
  const result = runBatchNode(crypto, job);
  result.input = job.data;
  // Shared buffers (the normal case) travel as references; only plain ones need transferring.
  const transfer = new Set();
  for (const view of [result.output, result.digests, job.data, job.spare]) {
    if (view && !(view.buffer instanceof SharedArrayBuffer)) transfer.add(view.buffer);
  }
  parentPort.postMessage({ id, result }, [...transfer]);
  // node:crypto allocates a fresh buffer per chunk; V8 only collects them under external-memory
  // pressure (tens of MB per thread). A young-generation collection every 8 batches (8 MiB) keeps
  // memory flat at a fraction of the cost of one per batch.
  if (typeof gc === 'function' && ++batches % 8 === 0) gc({ type: 'minor' });
});
`;

interface Pending {
  resolve: (result: BatchResult) => void;
  reject: (error: Error) => void;
}

/**
 * A fixed set of worker threads sealing and opening batches in parallel. Jobs go to the worker with
 * the fewest jobs outstanding; the data buffer is transferred, not copied.
 * @example
 * const pool = workerPool(2);
 * const result = await pool.run(job);
 * await pool.close();
 */
export function workerPool(size = defaultParallelism()): BatchExecutor {
  exposeGcToWorkers();
  const workers = Array.from({ length: size }, () => {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    return { worker, outstanding: 0 };
  });
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let failure: Error | null = null;
  for (const slot of workers) {
    slot.worker.on('message', ({ id, result }: { id: number; result: BatchResult }) => {
      slot.outstanding--;
      const entry = pending.get(id);
      pending.delete(id);
      const view = (b: Uint8Array): Uint8Array =>
        new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      entry?.resolve({
        ...result,
        output: view(result.output),
        digests: view(result.digests),
        ...(result.input ? { input: view(result.input) } : {}),
      });
    });
    slot.worker.on('error', (error) => {
      failure = error;
      for (const entry of pending.values()) entry.reject(error);
      pending.clear();
    });
  }
  return {
    concurrency: size * 2,
    // Memory shared with the workers: handing a batch over copies and detaches nothing.
    allocate: (length) => new Uint8Array(new SharedArrayBuffer(length)),
    run(job) {
      if (failure) return Promise.reject(failure);
      const slot = workers.reduce((best, w) => (w.outstanding < best.outstanding ? w : best));
      slot.outstanding++;
      const id = nextId++;
      return new Promise<BatchResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        const transfer = new Set<ArrayBuffer>();
        for (const view of [job.data, job.spare]) {
          if (view !== undefined && view.buffer instanceof ArrayBuffer) transfer.add(view.buffer);
        }
        slot.worker.postMessage({ id, job }, [...transfer]);
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
  };
}

let gcExposed = false;

/**
 * Workers created after this see a global `gc` (V8 flags apply to isolates created later), and so
 * does a new context on this thread.
 */
function exposeGcToWorkers(): void {
  if (!gcExposed) {
    setFlagsFromString('--expose-gc');
    gcExposed = true;
  }
}

/**
 * Worker threads to use for bulk crypto: one per core but one, at most four. The calling thread
 * keeps a core for reading, writing and ordering; measured on 2 cores, one worker moves as many
 * bytes as two (each ~730 MB/s on 1 GiB) with less CPU per byte and 20 MB less memory.
 * @example
 * workerPool(defaultParallelism());
 */
export function defaultParallelism(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}
