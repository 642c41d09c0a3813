import { useEffect, useId, useRef, useState, type SyntheticEvent } from 'react';
import type { InboxItem, LocalTransfer } from '../../../shared/dto.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { Field } from '../components/Field.js';
import { FormActions } from '../components/FormActions.js';
import { EmptyState, Loading } from '../components/Status.js';
import { TransferProgress } from '../components/TransferProgress.js';
import { TrustBadge } from '../components/TrustBadge.js';
import { useApp } from '../lib/app-context.js';
import { formatBytes, formatTime } from '../lib/format.js';
import { useAction, useLoad } from '../lib/hooks.js';

/** The newest local receive of a relay transfer: live progress first, then the listed one. */
function receiveOf(
  item: InboxItem,
  transfers: ReadonlyMap<string, LocalTransfer>,
): LocalTransfer | null {
  let found: LocalTransfer | null = null;
  for (const t of transfers.values()) {
    if (t.direction === 'receive' && t.transferId === item.transferId) {
      if (found === null || t.updatedAt > found.updatedAt) found = t;
    }
  }
  return found ?? item.local;
}

const TRUST_WARNING: Partial<Record<InboxItem['senderTrust'], string>> = {
  'key-changed':
    'The sender’s key changed since you last checked. Verify them in Contacts before trusting this file.',
  unknown: 'This sender is not in your contacts. Only open files you expect.',
};

function InboxRow({ item, onStarted }: { item: InboxItem; onStarted: () => void }) {
  const { client, info, transfers, trackTransfer, status, setStatus } = useApp();
  const [open, setOpen] = useState(false);
  const [folder, setFolder] = useState(info.defaultDownloadDir);
  const [keepCopy, setKeepCopy] = useState(false);
  const action = useAction();
  const id = useId();
  const local = receiveOf(item, transfers);
  const available = item.status === 'ready';
  const running = local !== null && ['queued', 'active', 'paused'].includes(local.state);

  useEffect(() => {
    if (!open) return;
    let current = true;
    client.call('settings:get').then(
      (s) => {
        if (!current) return;
        if (s.downloadFolder !== null) setFolder(s.downloadFolder);
        setKeepCopy(s.keepEncryptedCopy);
      },
      () => undefined, // keep the defaults
    );
    return () => {
      current = false;
    };
  }, [client, open]);

  const download = (e: SyntheticEvent) => {
    e.preventDefault();
    void action.run(async () => {
      const t = await client.call('transfers:receive', {
        transferId: item.transferId,
        folder: folder.trim(),
        keepEncryptedCopy: keepCopy,
      });
      trackTransfer(t);
      setOpen(false);
      if (item.unread) {
        const { unread } = await client.call('transfers:markRead', {
          transferIds: [item.transferId],
        });
        setStatus({ ...status, unread });
      }
      onStarted();
    });
  };

  // A receive that could not start (the call failed) or that failed while running.
  const failure =
    action.error ??
    (local?.state === 'failed' && local.errorCode !== null
      ? { code: local.errorCode, detail: local.errorMessage ?? '' }
      : null);
  const warning = TRUST_WARNING[item.senderTrust];
  return (
    <li
      className={item.unread ? 'row inbox unread' : 'row inbox'}
      data-testid="inbox-row"
      data-transfer-id={item.transferId}
      data-unread={item.unread ? 'true' : 'false'}
      data-status={item.status}
    >
      <div className="row-head">
        <p className="row-main">
          {item.unread && <span className="new-dot">New</span>}
          From <strong data-testid="sender">{item.sender}</strong>{' '}
          <TrustBadge trust={item.senderTrust} />
        </p>
        <p className="meta">
          {formatBytes(item.size)} · received {formatTime(item.createdAt)} · expires{' '}
          {formatTime(item.expiresAt)}
          {item.maxDownloads !== null &&
            ` · ${item.downloads} of ${item.maxDownloads} downloads used`}
        </p>
      </div>
      {warning !== undefined && <p className="warning-text">{warning}</p>}
      {!available && (
        <p className="meta" data-testid="unavailable">
          {item.status === 'revoked'
            ? 'The sender revoked this transfer. It can no longer be downloaded.'
            : item.status === 'expired'
              ? 'This transfer expired. Ask the sender to send it again.'
              : 'The sender is still uploading this transfer.'}
        </p>
      )}
      {local !== null && (
        <TransferProgress
          transfer={local}
          label={`Downloading from ${item.sender}`}
          showFailure={false}
        />
      )}
      {local?.state === 'completed' && (
        <div className="notice" data-testid="download-done" role="status">
          <p>Decrypted and saved:</p>
          <ul aria-label="Saved files">
            {local.outputs.map((p) => (
              <li key={p}>
                <code>{p}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
      {available && !running && !open && (
        <div className="actions">
          <button
            type="button"
            onClick={() => {
              setOpen(true);
            }}
          >
            {local?.state === 'completed' ? 'Download again' : 'Download'}
          </button>
        </div>
      )}
      {open && (
        <form className="subform" onSubmit={download} aria-label={`Download from ${item.sender}`}>
          <Field
            label="Save to folder"
            required
            value={folder}
            onValue={setFolder}
            hint="The decrypted files go here. The folder is created if needed."
          />
          <div className="check">
            <input
              id={`${id}-keep`}
              type="checkbox"
              checked={keepCopy}
              onChange={(e) => {
                setKeepCopy(e.target.checked);
              }}
            />
            <label htmlFor={`${id}-keep`}>Also keep the encrypted copy</label>
          </div>
          <p className="hint">
            The encrypted copy (.dcrypt) can be decrypted later without the relay, on the “Decrypt a
            file” screen.
          </p>
          <FormActions submit="Download and decrypt" busy={action.busy}>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setOpen(false);
              }}
            >
              Cancel
            </button>
          </FormActions>
        </form>
      )}
      {failure !== null && (
        <div className="failure" data-testid="receive-failed">
          <p>The download did not finish. Nothing was saved.</p>
          <ErrorMessage error={failure} />
        </div>
      )}
    </li>
  );
}

/** Inbox: transfers sent to me, updated live from pushed events, with download + decrypt. */
export function InboxScreen() {
  const { client, status, transfers } = useApp();
  const inbox = useLoad(() => client.call('transfers:inbox'));

  useEffect(() => {
    const offs = [
      client.on('transfer:new', inbox.reload),
      client.on('transfer:changed', inbox.reload),
      client.on('contact:keyChanged', inbox.reload),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, [client, inbox.reload]);

  // A receive that finished changes the relay's counters (downloads): reload once it completes.
  const completedReceives = [...transfers.values()].filter(
    (t) => t.direction === 'receive' && t.state === 'completed',
  ).length;
  useEffect(() => {
    if (completedReceives > 0) inbox.reload();
  }, [completedReceives, inbox.reload]);

  // Back online after a gap: catch up on what the pushed events may have missed.
  const lastConnection = useRef(status.connection);
  useEffect(() => {
    if (status.connection === 'online' && lastConnection.current !== 'online') inbox.reload();
    lastConnection.current = status.connection;
  }, [status.connection, inbox.reload]);

  const items = inbox.data?.items ?? [];
  // A download that failed because its transfer left the relay meanwhile (revoked, expired) has
  // no row left to show why: keep its reason visible here instead of failing silently.
  const listed = new Set(items.map((i) => i.transferId));
  const orphanedFailures =
    inbox.data === null
      ? []
      : [...transfers.values()].filter(
          (t) =>
            t.direction === 'receive' &&
            t.state === 'failed' &&
            t.transferId !== null &&
            !listed.has(t.transferId),
        );
  return (
    <div className="screen" data-testid="screen-inbox">
      <h1 id="screen-heading" tabIndex={-1}>
        Inbox
      </h1>
      <p className="meta" aria-live="polite">
        {status.unread === 0 ? 'No unread transfers.' : `${status.unread} unread`}
      </p>
      {inbox.loading && inbox.data === null && <Loading label="Loading your inbox…" />}
      {inbox.error && <ErrorMessage error={inbox.error} />}
      {inbox.data !== null && items.length === 0 && (
        <EmptyState title="Your inbox is empty.">
          Files people send you appear here as soon as they arrive.
        </EmptyState>
      )}
      {items.length > 0 && (
        <ul className="rows" aria-label="Received transfers">
          {items.map((item) => (
            <InboxRow key={item.transferId} item={item} onStarted={inbox.reload} />
          ))}
        </ul>
      )}
      {orphanedFailures.map((t) => (
        <div key={t.id} className="row" data-testid="receive-failed">
          <p className="row-main">A download could not finish.</p>
          <ErrorMessage
            error={{ code: t.errorCode ?? 'E_INTERNAL', detail: t.errorMessage ?? '' }}
          />
        </div>
      ))}
    </div>
  );
}
