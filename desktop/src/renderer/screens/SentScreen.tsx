import { useEffect, useRef, useState } from 'react';
import type { LocalTransfer, RecipientState, SentItem } from '../../../shared/dto.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { EmptyState, Loading, Notice } from '../components/Status.js';
import { TransferProgress } from '../components/TransferProgress.js';
import { useApp } from '../lib/app-context.js';
import { formatBytes, formatTime } from '../lib/format.js';
import { useAction, useLoad } from '../lib/hooks.js';

const RECIPIENT_TEXT: Record<RecipientState['state'], string> = {
  pending: 'Waiting for upload to finish',
  delivered: 'Delivered',
  downloaded: 'Downloaded',
  'receipt-verified': 'Downloaded · receipt verified',
  expired: 'Expired',
  revoked: 'Revoked',
};

const TRANSFER_TEXT: Record<SentItem['status'], string> = {
  uploading: 'Uploading',
  ready: 'Available',
  expired: 'Expired',
  revoked: 'Revoked',
};

/** The live local send of a relay transfer, if this machine is (or was) sending it. */
function sendOf(
  item: SentItem,
  transfers: ReadonlyMap<string, LocalTransfer>,
): LocalTransfer | null {
  for (const t of transfers.values()) {
    if (t.direction === 'send' && t.transferId === item.transferId) return t;
  }
  return item.local;
}

function SentRow({ item, onRevoked }: { item: SentItem; onRevoked: (title: string) => void }) {
  const { client, transfers } = useApp();
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  const local = sendOf(item, transfers);
  const title = item.names.length > 0 ? item.names.join(', ') : 'Transfer';
  const revocable = item.status === 'ready' || item.status === 'uploading';

  return (
    <li
      className="row sent"
      data-testid="sent-row"
      data-transfer-id={item.transferId}
      data-status={item.status}
    >
      <div className="row-head">
        <p className="row-main">{title}</p>
        <p className="meta">
          {TRANSFER_TEXT[item.status]} · {formatBytes(item.size)} · sent{' '}
          {formatTime(item.createdAt)} · expires {formatTime(item.expiresAt)} ·{' '}
          {item.maxDownloads === null
            ? `${item.downloads} downloads`
            : `${item.downloads} of ${item.maxDownloads} downloads`}
        </p>
      </div>
      <ul className="recipient-states" aria-label={`Recipients of ${title}`}>
        {item.recipients.map((r) => (
          <li
            key={r.email}
            data-testid="recipient-status"
            data-email={r.email}
            data-status={r.state}
          >
            <span>{r.email}</span>: <strong>{RECIPIENT_TEXT[r.state]}</strong>
            {r.receiptAt !== null && <span className="meta"> ({formatTime(r.receiptAt)})</span>}
          </li>
        ))}
      </ul>
      {local !== null && local.state !== 'completed' && (
        <TransferProgress transfer={local} label={`Sending ${title}`} />
      )}
      {revocable && !confirming && (
        <div className="actions">
          <button
            type="button"
            className="danger"
            onClick={() => {
              setConfirming(true);
            }}
          >
            Revoke
          </button>
        </div>
      )}
      {confirming && (
        <div className="confirm" role="group" aria-label="Confirm revoke">
          <p>Revoke this transfer? Recipients who have not downloaded it yet lose access.</p>
          <div className="actions">
            <button
              type="button"
              className="danger"
              disabled={action.busy}
              onClick={() => {
                void action.run(async () => {
                  await client.call('transfers:revoke', { transferId: item.transferId });
                  setConfirming(false);
                  onRevoked(title);
                });
              }}
            >
              Yes, revoke
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setConfirming(false);
              }}
            >
              Keep it
            </button>
          </div>
        </div>
      )}
      {action.error && <ErrorMessage error={action.error} />}
    </li>
  );
}

/** Sent: each transfer with its status per recipient (live), and revoke. */
export function SentScreen() {
  const { client, transfers, status } = useApp();
  const sent = useLoad(() => client.call('transfers:sent'));
  const [revoked, setRevoked] = useState<string | null>(null);

  useEffect(() => {
    const offs = [
      client.on('transfer:receipt', sent.reload),
      client.on('transfer:changed', sent.reload),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, [client, sent.reload]);

  // A send that just finished uploading shows up in the relay's list: reload once it completes.
  const completedSends = [...transfers.values()].filter(
    (t) => t.direction === 'send' && t.state === 'completed',
  ).length;
  useEffect(() => {
    if (completedSends > 0) sent.reload();
  }, [completedSends, sent.reload]);

  // Back online after a gap: catch up on what the pushed events may have missed.
  const lastConnection = useRef(status.connection);
  useEffect(() => {
    if (status.connection === 'online' && lastConnection.current !== 'online') sent.reload();
    lastConnection.current = status.connection;
  }, [status.connection, sent.reload]);

  const items = sent.data?.items ?? [];
  return (
    <div className="screen" data-testid="screen-sent">
      <h1 id="screen-heading" tabIndex={-1}>
        Sent
      </h1>
      <Notice text={revoked} testId="revoke-done" />
      {sent.loading && sent.data === null && <Loading label="Loading sent transfers…" />}
      {sent.error && <ErrorMessage error={sent.error} />}
      {sent.data !== null && items.length === 0 && (
        <EmptyState title="You have not sent anything yet.">
          Transfers you send appear here with what each recipient did.
        </EmptyState>
      )}
      {items.length > 0 && (
        <ul className="rows" aria-label="Sent transfers">
          {items.map((item) => (
            <SentRow
              key={item.transferId}
              item={item}
              onRevoked={(title) => {
                setRevoked(`“${title}” was revoked. Recipients can no longer download it.`);
                sent.reload();
              }}
            />
          ))}
        </ul>
      )}
    </div>
  );
}
