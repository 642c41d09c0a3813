/**
 * Runs `task` every `intervalMs`, never two at once: a tick that finds the previous run still
 * going is skipped. Failures go to `onError`; the timer never keeps the process alive.
 *
 * @example
 * const stop = repeatWithoutOverlap(60_000, () => sweep(), (err) => log.error({ err }, 'sweep'));
 */
export function repeatWithoutOverlap(
  intervalMs: number,
  task: () => Promise<void>,
  onError: (err: unknown) => void,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task()
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
  };
}
