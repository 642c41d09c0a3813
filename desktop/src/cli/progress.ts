/**
 * A one-line progress indicator on stderr, shown only when stderr is a terminal and only once the
 * work has lasted long enough to matter (so small files print nothing).
 * @module
 */

/** The part of a stream the indicator needs. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write: (text: string) => boolean;
}

export interface Progress {
  /** Cumulative bytes done so far. */
  update: (bytes: number) => void;
  /** Erases the line (call on success and on failure). */
  done: () => void;
}

export interface ProgressOptions {
  /** Milliseconds before the first display (default 300). */
  delayMs?: number;
  /** Minimum milliseconds between redraws (default 100). */
  intervalMs?: number;
  now?: () => number;
}

const NONE: Progress = { update: () => undefined, done: () => undefined };

/**
 * A progress indicator labelled `label` for `total` bytes (null when unknown).
 * @example
 * const progress = createProgress(process.stderr, 'encrypting', size);
 * await encryptPlan(plan, target, params, { onProgress: progress.update });
 * progress.done();
 */
export function createProgress(
  stream: ProgressStream,
  label: string,
  total: number | null,
  options: ProgressOptions = {},
): Progress {
  if (stream.isTTY !== true) return NONE;
  const now = options.now ?? Date.now;
  const delay = options.delayMs ?? 300;
  const interval = options.intervalMs ?? 100;
  const start = now();
  let lastDraw = -Infinity;
  let drawn = false;
  return {
    update(bytes) {
      const t = now();
      if (t - start < delay || t - lastDraw < interval) return;
      lastDraw = t;
      drawn = true;
      const line = progressLine(label, bytes, total, (t - start) / 1000);
      const columns = stream.columns ?? 0;
      const width = Math.max(20, (columns > 0 ? columns : 80) - 1);
      stream.write(`\r${line.slice(0, width)}\u001b[K`);
    },
    done() {
      if (drawn) stream.write('\r\u001b[K');
      drawn = false;
    },
  };
}

/**
 * The text of one progress line.
 * @example
 * progressLine('encrypting', 512 * 2 ** 20, 2 ** 30, 2); // 'encrypting  50%  512.0 MiB / 1.0 GiB  256.0 MiB/s'
 */
export function progressLine(
  label: string,
  bytes: number,
  total: number | null,
  seconds: number,
): string {
  const rate = seconds > 0 ? `  ${formatBytes(bytes / seconds)}/s` : '';
  if (total === null || total === 0) return `${label}  ${formatBytes(bytes)}${rate}`;
  const percent = Math.min(100, Math.floor((bytes / total) * 100));
  return `${label}  ${String(percent).padStart(3)}%  ${formatBytes(bytes)} / ${formatBytes(total)}${rate}`;
}

/**
 * Bytes in binary units with one decimal.
 * @example
 * formatBytes(1536); // '1.5 KiB'
 */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit] ?? ''}`;
}
