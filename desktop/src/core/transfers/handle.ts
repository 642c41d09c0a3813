import { EventEmitter } from 'node:events';
import type { TransferDirection, TransferState } from '../db/transfers.js';
import { TransferError } from './errors.js';
import type { TransferHandle, TransferProgress } from './types.js';

/**
 * The moving parts every running transfer shares: the pause gate, the rate meter, progress
 * events and cancellation.
 * @module
 */

/** Progress events at most this often, ms (the final one always goes out). */
const PROGRESS_INTERVAL_MS = 100;
/** The rate is measured over this recent window, ms. */
const RATE_WINDOW_MS = 3_000;
/** At most one rate sample per this many ms. */
const RATE_SAMPLE_MS = 50;

/**
 * Blocks workers while paused.
 * @example
 * await gate.wait(); // returns at once unless paused
 */
export class Gate {
  private waiters: (() => void)[] = [];
  paused = false;

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves when not paused (or when `signal` aborts). */
  wait(signal?: AbortSignal): Promise<void> {
    if (!this.paused || signal?.aborted === true) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      this.waiters.push(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }
}

/**
 * Bytes per second over a sliding window.
 * @example
 * meter.add(Date.now(), bytesDone); meter.rate();
 */
export class RateMeter {
  private samples: { at: number; bytes: number }[] = [];

  add(at: number, bytes: number): void {
    // Reports come per network read (thousands a second): keep one sample per RATE_SAMPLE_MS, the
    // latest, so the window stays a few dozen samples.
    const last = this.samples.at(-1);
    const beforeLast = this.samples.at(-2);
    if (last !== undefined && beforeLast !== undefined && at - beforeLast.at < RATE_SAMPLE_MS) {
      last.at = at;
      last.bytes = bytes;
      return;
    }
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && (this.samples.at(0)?.at ?? 0) < at - RATE_WINDOW_MS) {
      this.samples.shift();
    }
  }

  rate(): number {
    const first = this.samples.at(0);
    const last = this.samples.at(-1);
    if (first === undefined || last === undefined || last.at - first.at < 200) return 0;
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
  }

  reset(): void {
    this.samples = [];
  }
}

/**
 * The engine's side of a handle: what a runner reads (signal, gate) and reports (progress).
 * @example
 * const run = new RunningTransfer<SendResult>(id, 'send', onState);
 * run.start(() => runSend(run));
 */
export class RunningTransfer<R> extends EventEmitter implements TransferHandle<R> {
  readonly gate = new Gate();
  private readonly controller = new AbortController();
  private readonly meter = new RateMeter();
  private snapshot: TransferProgress;
  private lastEmit = 0;
  private settled: Promise<R> | null = null;
  private cancelled = false;
  private stopped = false;

  constructor(
    readonly id: string,
    readonly direction: TransferDirection,
    private readonly onState: (state: TransferState) => void,
  ) {
    super();
    this.snapshot = {
      id,
      direction,
      relayTransferId: null,
      state: 'active',
      bytesDone: 0,
      totalBytes: 0,
      rateBps: 0,
      etaSeconds: null,
    };
  }

  /** Aborts when the transfer is cancelled (or the engine closes). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True once `cancel()` was called. */
  get isCancelled(): boolean {
    return this.cancelled;
  }

  get done(): Promise<R> {
    if (this.settled === null) throw new Error('transfer not started');
    return this.settled;
  }

  /** Runs the transfer; the handle's `done` is its outcome. */
  start(run: () => Promise<R>): this {
    this.settled = run();
    this.settled.then(
      () => {
        this.report({}, true);
      },
      () => undefined,
    );
    return this;
  }

  progress(): TransferProgress {
    return { ...this.snapshot };
  }

  /** Updates the snapshot; emits at most every PROGRESS_INTERVAL_MS unless `force`. */
  report(patch: Partial<TransferProgress>, force = false): void {
    const now = Date.now();
    Object.assign(this.snapshot, patch);
    if (patch.bytesDone !== undefined) this.meter.add(now, patch.bytesDone);
    const rate = this.gate.paused ? 0 : this.meter.rate();
    const left = Math.max(0, this.snapshot.totalBytes - this.snapshot.bytesDone);
    this.snapshot.rateBps = Math.round(rate);
    this.snapshot.etaSeconds = rate > 0 ? Math.ceil(left / rate) : left === 0 ? 0 : null;
    if (force || now - this.lastEmit >= PROGRESS_INTERVAL_MS) {
      this.lastEmit = now;
      this.emit('progress', this.progress());
    }
  }

  /** Sets the state (persisted by the engine) and tells listeners. */
  setState(state: TransferState): void {
    this.onState(state);
    this.report({ state }, true);
  }

  override on(event: 'progress', listener: (progress: TransferProgress) => void): this {
    return super.on(event, listener);
  }

  override off(event: 'progress', listener: (progress: TransferProgress) => void): this {
    return super.off(event, listener);
  }

  pause(): void {
    if (this.gate.paused || this.snapshot.state !== 'active') return;
    this.gate.pause();
    this.meter.reset();
    this.setState('paused');
  }

  resume(): void {
    if (!this.gate.paused) return;
    this.gate.resume();
    this.setState('active');
  }

  async cancel(): Promise<void> {
    if (this.settled === null) return;
    if (!this.stopped) this.cancelled = true;
    this.controller.abort(new TransferError('E_CANCELLED', `transfer ${this.id} was cancelled`));
    this.gate.resume();
    await this.settled.catch(() => undefined);
  }

  /**
   * Stops without discarding anything (engine shutdown): the transfer stays resumable and `done`
   * rejects with E_STOPPED.
   */
  async stop(): Promise<void> {
    if (this.settled === null || this.cancelled) return;
    this.stopped = true;
    this.controller.abort(new TransferError('E_STOPPED', `transfer ${this.id} was stopped`));
    this.gate.resume();
    await this.settled.catch(() => undefined);
  }

  /** True once `stop()` was called. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** Throws the cancellation error once cancelled. */
  throwIfCancelled(): void {
    if (this.controller.signal.aborted) throw this.cancelError();
  }

  cancelError(): TransferError {
    const reason: unknown = this.controller.signal.reason;
    if (reason instanceof TransferError) return reason;
    return this.stopped
      ? new TransferError('E_STOPPED', `transfer ${this.id} was stopped`)
      : new TransferError('E_CANCELLED', `transfer ${this.id} was cancelled`);
  }
}
