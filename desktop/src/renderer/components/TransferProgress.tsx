import type { LocalTransfer, LocalTransferState } from '../../../shared/dto.js';
import { useApp } from '../lib/app-context.js';
import { formatBytes, formatEta, formatRate } from '../lib/format.js';
import { useAction } from '../lib/hooks.js';
import { ErrorMessage } from './ErrorMessage.js';

const STATE_LABELS: Record<LocalTransferState, string> = {
  queued: 'Waiting',
  active: 'In progress',
  paused: 'Paused',
  completed: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** One line of progress text: bytes, rate and time left (or the final state). */
export function progressText(t: LocalTransfer): string {
  const done = formatBytes(t.bytes);
  const total = t.totalBytes === null ? 'unknown size' : formatBytes(t.totalBytes);
  if (t.state === 'active') {
    const left = t.etaSeconds === null ? 'estimating time left' : `${formatEta(t.etaSeconds)} left`;
    return `${done} of ${total} · ${formatRate(t.rateBps)} · ${left}`;
  }
  return `${STATE_LABELS[t.state]} · ${done} of ${total}`;
}

/** Percent done, or undefined while the size is unknown (indeterminate bar). */
function percent(t: LocalTransfer): number | undefined {
  if (t.state === 'completed') return 100;
  if (t.totalBytes === null || t.totalBytes === 0) return undefined;
  return Math.min(100, Math.floor((t.bytes / t.totalBytes) * 100));
}

/**
 * Progress of one local send or receive with Pause / Resume / Cancel.
 * @example
 * <TransferProgress transfer={t} label="Sending report.pdf" />
 */
export function TransferProgress({
  transfer: t,
  label,
  showFailure = true,
}: {
  transfer: LocalTransfer;
  label: string;
  /** False when the caller shows the failure itself (the inbox wraps it in `receive-failed`). */
  showFailure?: boolean;
}) {
  const { client, trackTransfer } = useApp();
  const action = useAction();
  const running = t.state === 'active' || t.state === 'queued';
  const control = (channel: 'transfers:pause' | 'transfers:resume' | 'transfers:cancel') => {
    void action.run(async () => {
      trackTransfer(await client.call(channel, { id: t.id }));
    });
  };
  const value = percent(t);
  return (
    <div className="progress" data-state={t.state}>
      <progress aria-label={label} max={100} value={value} />
      <p className="progress-text" data-testid="transfer-progress-text" aria-live="polite">
        {progressText(t)}
      </p>
      {showFailure && t.state === 'failed' && t.errorCode !== null && (
        <ErrorMessage error={{ code: t.errorCode, detail: t.errorMessage ?? '' }} />
      )}
      <div className="actions">
        {running && (
          <button
            type="button"
            disabled={action.busy}
            onClick={() => {
              control('transfers:pause');
            }}
          >
            Pause
          </button>
        )}
        {t.state === 'paused' && (
          <button
            type="button"
            disabled={action.busy}
            onClick={() => {
              control('transfers:resume');
            }}
          >
            Resume
          </button>
        )}
        {(running || t.state === 'paused') && (
          <button
            type="button"
            className="secondary"
            disabled={action.busy}
            onClick={() => {
              control('transfers:cancel');
            }}
          >
            Cancel
          </button>
        )}
      </div>
      {action.error && <ErrorMessage error={action.error} />}
    </div>
  );
}
