import cliProgress from 'cli-progress';
import type { TransferHandle, TransferProgress } from '../core/index.js';
import type { CliIo } from './io.js';
import { formatBytes } from './progress.js';

/**
 * Progress bars of sends and receives (cli-progress), drawn only when stdout is a terminal and
 * no `--json` was asked for.
 * @module
 */

/**
 * Shows the progress of `handle` until it settles; returns its result (or rethrows its failure).
 * @example
 * const result = await followTransfer(handle, io, `sending to ${to}`, values.json === true);
 */
export async function followTransfer<R>(
  handle: TransferHandle<R>,
  io: CliIo,
  label: string,
  quiet: boolean,
): Promise<R> {
  if (quiet || !io.stdout.isTTY) return handle.done;
  const bar = new cliProgress.SingleBar(
    {
      stream: io.stderr,
      format: `${label} [{bar}] {percentage}% {done}/{size} {rate} eta {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = (p: TransferProgress): object => ({
    done: formatBytes(p.bytesDone),
    size: formatBytes(p.totalBytes),
    rate: `${formatBytes(p.rateBps)}/s`,
  });
  const first = handle.progress();
  bar.start(Math.max(1, first.totalBytes), first.bytesDone, payload(first));
  const onProgress = (p: TransferProgress): void => {
    bar.setTotal(Math.max(1, p.totalBytes));
    bar.update(p.bytesDone, payload(p));
  };
  handle.on('progress', onProgress);
  try {
    return await handle.done;
  } finally {
    handle.off('progress', onProgress);
    bar.stop();
  }
}
