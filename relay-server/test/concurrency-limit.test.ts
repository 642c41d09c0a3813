import { describe, expect, it } from 'vitest';
import { concurrencyLimit } from '../src/services/concurrency-limit.js';
import { hashPassword, verifyPassword } from '../src/services/passwords.js';

describe('concurrencyLimit', () => {
  it('never runs more than the limit at once and runs every task in arrival order', async () => {
    const limited = concurrencyLimit(2);
    let active = 0;
    let peak = 0;
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const results = Array.from({ length: 6 }, (_, i) =>
      limited(async () => {
        started.push(i);
        active++;
        peak = Math.max(peak, active);
        await new Promise<void>((resolve) => releases.push(resolve));
        active--;
        return i * 10;
      }),
    );
    // Release one task at a time; each release lets exactly one waiter start.
    for (let done = 0; done < 6; done++) {
      await new Promise((r) => setImmediate(r));
      expect(active).toBeLessThanOrEqual(2);
      releases.shift()?.();
    }
    expect(await Promise.all(results)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(peak).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('frees the slot when a task fails', async () => {
    const limited = concurrencyLimit(1);
    await expect(limited(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limited(() => Promise.resolve('next'))).toBe('next');
  });

  it('keeps password hashing correct under a burst larger than the limit', async () => {
    const passwords = Array.from({ length: 5 }, (_, i) => `burst-password-${String(i)}`);
    const hashes = await Promise.all(passwords.map((p) => hashPassword(p)));
    const checks = await Promise.all(
      hashes.map((h, i) => verifyPassword(h, passwords[(i + 1) % passwords.length] ?? '')),
    );
    expect(checks).toEqual([false, false, false, false, false]);
    expect(await Promise.all(hashes.map((h, i) => verifyPassword(h, passwords[i] ?? '')))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
  });
});
