import { useId, useState, type DragEvent, type SyntheticEvent } from 'react';
import { CallError } from '../lib/client.js';
import type { LocalTransfer } from '../../../shared/dto.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { Field } from '../components/Field.js';
import { FormActions } from '../components/FormActions.js';
import { EmptyState, Loading, Notice } from '../components/Status.js';
import { TransferProgress } from '../components/TransferProgress.js';
import { TrustBadge } from '../components/TrustBadge.js';
import { useApp } from '../lib/app-context.js';
import { baseName } from '../lib/format.js';
import { useAction, useLoad } from '../lib/hooks.js';

const EXPIRY_OPTIONS = [
  { label: '1 day', days: 1 },
  { label: '3 days', days: 3 },
  { label: '7 days', days: 7 },
  { label: '30 days', days: 30 },
] as const;
const DEFAULT_EXPIRY_DAYS = 7;

/** A file or folder chosen for sending (a local path on the host). */
interface Item {
  path: string;
  name: string;
}

/** The progress rows of local sends, newest first. */
function SendsInProgress() {
  const { transfers } = useApp();
  const sends = [...transfers.values()]
    .filter((t) => t.direction === 'send')
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <section aria-labelledby="sends-heading">
      <h2 id="sends-heading">Transfers in progress</h2>
      {sends.length === 0 ? (
        <EmptyState title="Nothing is being sent right now.">
          Files you send appear here with their progress.
        </EmptyState>
      ) : (
        <ul className="rows" aria-label="Transfers in progress">
          {sends.map((t) => (
            <SendRow key={t.id} transfer={t} />
          ))}
        </ul>
      )}
    </section>
  );
}

function SendRow({ transfer: t }: { transfer: LocalTransfer }) {
  const names = t.paths.map(baseName).join(', ');
  return (
    <li
      className="row transfer"
      data-testid="transfer-row"
      data-transfer-id={t.id}
      data-relay-id={t.transferId ?? ''}
      data-state={t.state}
    >
      <p className="row-main">{names}</p>
      <TransferProgress transfer={t} label={`Sending ${names}`} />
    </li>
  );
}

/**
 * Send: files and folders (drag and drop, pick, or type a path), recipients (contacts only;
 * key-changed ones blocked with the reason), expiry and download limit; then live progress.
 */
export function SendScreen() {
  const { client, info, trackTransfer, openContact, navigate } = useApp();
  const contacts = useLoad(() => client.call('contacts:list'));
  const send = useAction();
  const pick = useAction();
  const [items, setItems] = useState<Item[]>([]);
  const [pathInput, setPathInput] = useState('');
  const [recipients, setRecipients] = useState<ReadonlySet<string>>(new Set());
  const [expiry, setExpiry] = useState<number>(DEFAULT_EXPIRY_DAYS);
  const [limit, setLimit] = useState('');
  const [dragging, setDragging] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const ids = useId();

  const addPaths = (paths: string[]) => {
    setItems((prev) => {
      const known = new Set(prev.map((i) => i.path));
      const added = paths.filter((p) => !known.has(p)).map((p) => ({ path: p, name: baseName(p) }));
      return [...prev, ...added];
    });
    setProblem(null);
    setSent(null);
  };

  /** Turns browser files into host paths (Electron: real paths; web host: uploaded copies). */
  const addFiles = (files: File[]) => {
    void pick.run(async () => {
      const paths: string[] = [];
      for (const file of files) {
        const r = await client.api.pathForFile(file);
        if (!r.ok) throw new CallError(r.error);
        paths.push(r.path);
      }
      addPaths(paths);
    });
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const files: File[] = [];
    let folders = 0;
    for (const item of Array.from(e.dataTransfer.items)) {
      if (item.kind !== 'file') continue;
      const entry = item.webkitGetAsEntry();
      const file = item.getAsFile();
      if (entry?.isDirectory === true && info.transport !== 'electron') {
        folders++;
        continue;
      }
      if (file !== null) files.push(file);
    }
    if (folders > 0) {
      setProblem(
        'Folders cannot be dropped into the browser window. Type the folder’s path below and choose “Add path”.',
      );
    }
    if (files.length > 0) addFiles(files);
  };

  const chooseNative = (folders: boolean) => {
    void pick.run(async () => {
      const r = await client.call('dialog:openFiles', {
        title: folders ? 'Choose folders to send' : 'Choose files to send',
        folders,
        multiple: true,
      });
      addPaths(r.paths);
    });
  };

  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    setSent(null);
    if (items.length === 0) {
      setProblem('Add at least one file or folder to send.');
      return;
    }
    if (recipients.size === 0) {
      setProblem('Choose at least one recipient.');
      return;
    }
    const maxDownloads = limit.trim() === '' ? undefined : Number(limit);
    if (maxDownloads !== undefined && (!Number.isInteger(maxDownloads) || maxDownloads < 1)) {
      setProblem('The download limit must be a whole number of 1 or more, or empty for no limit.');
      return;
    }
    setProblem(null);
    void send.run(async () => {
      const t = await client.call('transfers:send', {
        paths: items.map((i) => i.path),
        recipients: [...recipients],
        expiryDays: expiry,
        ...(maxDownloads === undefined ? {} : { downloadLimit: maxDownloads }),
      });
      trackTransfer(t);
      setSent(`Sending to ${[...recipients].join(', ')}. Progress is shown below.`);
      setItems([]);
      setRecipients(new Set());
    });
  };

  const list = contacts.data?.contacts ?? [];
  return (
    <div className="screen" data-testid="screen-send">
      <h1 id="screen-heading" tabIndex={-1}>
        Send files
      </h1>
      <form className="card" onSubmit={submit} aria-label="New transfer" noValidate>
        <h2>What to send</h2>
        <div
          className={dragging ? 'dropzone dragging' : 'dropzone'}
          data-testid="drop-zone"
          role="group"
          aria-label="Drop files or folders here"
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => {
            setDragging(false);
          }}
          onDrop={onDrop}
        >
          <p>Drag files or folders here.</p>
          <div className="actions">
            {info.nativeDialogs ? (
              <>
                <button
                  type="button"
                  onClick={() => {
                    chooseNative(false);
                  }}
                >
                  Choose files
                </button>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => {
                    chooseNative(true);
                  }}
                >
                  Choose folder
                </button>
              </>
            ) : (
              <>
                <input
                  id={`${ids}-files`}
                  className="visually-hidden file-input"
                  type="file"
                  multiple
                  onChange={(e) => {
                    const files = Array.from(e.target.files ?? []);
                    e.target.value = '';
                    if (files.length > 0) addFiles(files);
                  }}
                />
                <label className="button" htmlFor={`${ids}-files`}>
                  Choose files
                </label>
              </>
            )}
          </div>
        </div>
        <div className="inline-form">
          <Field
            label="File or folder path"
            value={pathInput}
            onValue={setPathInput}
            hint={`A path on this computer, for example ${info.defaultDownloadDir}${info.pathSeparator}report.pdf`}
          />
          <div className="actions">
            <button
              type="button"
              className="secondary"
              onClick={() => {
                const p = pathInput.trim();
                if (p !== '') addPaths([p]);
                setPathInput('');
              }}
            >
              Add path
            </button>
          </div>
        </div>
        {pick.busy && <Loading label="Preparing files…" />}
        {pick.error && <ErrorMessage error={pick.error} />}
        {items.length === 0 ? (
          <EmptyState title="No files chosen yet." />
        ) : (
          <ul className="rows" aria-label="Selected files">
            {items.map((i) => (
              <li key={i.path} className="row" data-testid="selected-item" data-path={i.path}>
                <span className="row-main" title={i.path}>
                  {i.name} <span className="path">{i.path}</span>
                </span>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => {
                    setItems((prev) => prev.filter((x) => x.path !== i.path));
                  }}
                >
                  Remove<span className="visually-hidden"> {i.name}</span>
                </button>
              </li>
            ))}
          </ul>
        )}

        <fieldset className="recipients">
          <legend>Recipients</legend>
          {contacts.loading && contacts.data === null && <Loading label="Loading contacts…" />}
          {contacts.error && <ErrorMessage error={contacts.error} />}
          {contacts.data !== null && list.length === 0 && (
            <EmptyState title="No contacts yet.">
              <button
                type="button"
                className="link"
                onClick={() => {
                  navigate('contacts');
                }}
              >
                Add a contact
              </button>{' '}
              before sending.
            </EmptyState>
          )}
          {list.map((c) => {
            const blocked = c.status === 'key-changed';
            const reasonId = `${ids}-reason-${c.email}`;
            return (
              <div
                key={c.email}
                className="check"
                data-testid="recipient-option"
                data-email={c.email}
              >
                <input
                  id={`${ids}-r-${c.email}`}
                  type="checkbox"
                  disabled={blocked}
                  checked={recipients.has(c.email)}
                  aria-describedby={blocked ? reasonId : undefined}
                  onChange={(e) => {
                    const next = new Set(recipients);
                    if (e.target.checked) next.add(c.email);
                    else next.delete(c.email);
                    setRecipients(next);
                  }}
                />
                <label htmlFor={`${ids}-r-${c.email}`}>{c.email}</label>
                <TrustBadge trust={c.status} />
                {blocked && (
                  <span className="reason" id={reasonId} data-testid="recipient-blocked-reason">
                    Their key changed: check it before sending.{' '}
                    <button
                      type="button"
                      className="link"
                      onClick={() => {
                        openContact(c.email);
                      }}
                    >
                      Review {c.email}
                    </button>
                  </span>
                )}
              </div>
            );
          })}
        </fieldset>

        <div className="options">
          <div className="field">
            <label htmlFor={`${ids}-expiry`}>Expires after</label>
            <select
              id={`${ids}-expiry`}
              value={expiry}
              onChange={(e) => {
                setExpiry(Number(e.target.value));
              }}
            >
              {EXPIRY_OPTIONS.map((o) => (
                <option key={o.days} value={o.days}>
                  {o.label}
                </option>
              ))}
            </select>
          </div>
          <Field
            label="Download limit"
            type="number"
            inputMode="numeric"
            min={1}
            value={limit}
            onValue={setLimit}
            hint="How many downloads each transfer allows. Empty means no limit."
          />
        </div>
        {problem !== null && (
          <p className="inline-error" role="alert">
            {problem}
          </p>
        )}
        <FormActions submit="Encrypt and send" busy={send.busy} />
        {send.error && <ErrorMessage error={send.error} />}
        <Notice text={sent} />
      </form>
      <SendsInProgress />
    </div>
  );
}
