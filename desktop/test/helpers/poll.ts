/**
 * Polls `check` every 20 ms until it returns a value other than undefined and returns that value;
 * fails naming `what` after `ms`.
 */
export async function until<T>(
  check: () => T | undefined | Promise<T | undefined>,
  ms = 20_000,
  what = 'a condition',
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
