import type { Writable } from 'node:stream';

/**
 * Resolves when `out` wants more data ('drain') or is gone ('close'), so a hand-written pump
 * neither overfills it nor waits forever on a destroyed stream; leaves no listener behind.
 * @example
 * if (!out.write(chunk)) await whenWritable(out);
 */
export function whenWritable(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.once('drain', done);
    out.once('close', done);
  });
}
