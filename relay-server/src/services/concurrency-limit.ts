/**
 * Runs at most `max` tasks at once; the rest wait in arrival order.
 *
 * @example
 * const limited = concurrencyLimit(2);
 * const digest = await limited(() => hash(password, options));
 */
export function concurrencyLimit(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= max) {
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      running++;
    }
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so `running` only drops when nobody waits.
      const next = waiting.shift();
      if (next !== undefined) next();
      else running--;
    }
  };
}
