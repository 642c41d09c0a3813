import { describe, expect, it } from 'vitest';
import { createProgress, formatBytes, progressLine } from '../src/cli/progress.js';

function fakeStream(isTTY: boolean): {
  isTTY: boolean;
  columns: number;
  text: string[];
  write: (t: string) => boolean;
} {
  const text: string[] = [];
  return { isTTY, columns: 80, text, write: (t) => (text.push(t), true) };
}

describe('progress on stderr', () => {
  it('prints nothing when the stream is not a terminal', () => {
    const stream = fakeStream(false);
    let now = 0;
    const progress = createProgress(stream, 'encrypting', 100, { now: () => now });
    for (now = 0; now < 5000; now += 50) progress.update(now / 50);
    progress.done();
    expect(stream.text).toEqual([]);
  });

  it('on a terminal: waits before the first line, throttles, and erases the line at the end', () => {
    const stream = fakeStream(true);
    let now = 1000;
    const progress = createProgress(stream, 'encrypting', 2 ** 30, {
      now: () => now,
      delayMs: 300,
      intervalMs: 100,
    });
    now = 1200;
    progress.update(1);
    expect(stream.text).toEqual([]); // short work prints nothing
    now = 1400;
    progress.update(2 ** 29);
    now = 1450;
    progress.update(2 ** 29 + 1); // throttled
    expect(stream.text).toHaveLength(1);
    const line = stream.text[0] ?? '';
    expect(line.startsWith('\r') && line.endsWith('\u001b[K')).toBe(true);
    expect(line.slice(1, -3)).toMatch(
      /^encrypting {3}50% {2}512\.0 MiB \/ 1\.0 GiB {2}[\d.]+ GiB\/s$/u,
    );
    progress.done();
    expect(stream.text.at(-1)).toBe('\r\u001b[K');
  });

  it('formats sizes and lines with unknown totals', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 2 ** 30)).toBe('3.0 GiB');
    expect(progressLine('decrypting', 2 ** 20, null, 1)).toBe('decrypting  1.0 MiB  1.0 MiB/s');
    expect(progressLine('decrypting', 2 ** 20, 2 ** 21, 0)).toBe(
      'decrypting   50%  1.0 MiB / 2.0 MiB',
    );
  });
});
