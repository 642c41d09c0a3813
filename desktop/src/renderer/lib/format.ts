/**
 * Human-readable sizes, rates, durations and dates for the UI. Pure functions (tested under Node).
 * @module
 */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/**
 * Bytes in binary units with one decimal above 1 KB.
 * @example
 * formatBytes(52428800); // '50.0 MB'
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit] ?? 'TB'}`;
}

/**
 * A transfer rate.
 * @example
 * formatRate(1048576); // '1.0 MB/s'
 */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/**
 * A remaining time, coarse ("about 2 min").
 * @example
 * formatEta(75); // '1 min 15 s'
 */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return 'estimating…';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

/**
 * A date and time in the user's locale (input: epoch ms or ISO text).
 * @example
 * formatTime(Date.now());
 */
export function formatTime(at: number | string): string {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? '—' : d.toLocaleString();
}

/**
 * Groups a hex fingerprint by 4 characters for reading aloud; already-grouped text is kept.
 * @example
 * groupFingerprint('a1b2c3d4'); // 'a1b2 c3d4'
 */
export function groupFingerprint(fp: string): string {
  if (/\s/u.test(fp)) return fp;
  return (fp.match(/.{1,4}/gu) ?? []).join(' ');
}

/**
 * The last segment of a path (either separator).
 * @example
 * baseName('/home/a/report.pdf'); // 'report.pdf'
 */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/u).filter((p) => p !== '');
  return parts.at(-1) ?? path;
}
