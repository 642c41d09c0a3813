/**
 * Lets a long-running command (`watch`) take the first Ctrl-C / SIGTERM as its normal way to
 * stop, instead of the CLI's "interrupted" exit.
 * @module
 */

let receiver: ((signal: NodeJS.Signals) => void) | null = null;

/**
 * Called by the CLI's signal handler: hands the signal to a waiting command, if any (true then).
 * @example
 * if (deliverSignalToCommand(signal)) return;
 */
export function deliverSignalToCommand(signal: NodeJS.Signals): boolean {
  const take = receiver;
  if (take === null) return false;
  receiver = null;
  take(signal);
  return true;
}

/**
 * Resolves with the first SIGINT/SIGTERM the CLI receives from now on; `release()` gives signal
 * handling back to the CLI.
 * @example
 * const { signal, release } = waitForStopSignal();
 * await signal; release();
 */
export function waitForStopSignal(): { signal: Promise<NodeJS.Signals>; release: () => void } {
  let resolve: (signal: NodeJS.Signals) => void = () => undefined;
  const signal = new Promise<NodeJS.Signals>((r) => {
    resolve = r;
  });
  receiver = resolve;
  return {
    signal,
    release: () => {
      if (receiver === resolve) receiver = null;
    },
  };
}
