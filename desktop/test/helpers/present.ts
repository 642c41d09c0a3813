/** `value`, or a test failure when it is null or undefined (instead of a `!` assertion). */
export function present<T>(value: T | null | undefined, what = 'a value'): T {
  if (value === null || value === undefined)
    throw new Error(`expected ${what}, got ${String(value)}`);
  return value;
}
