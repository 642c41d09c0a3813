import { useEffect, useId, useState, type SyntheticEvent } from 'react';
import type { OfflineDecryptResult } from '../../../shared/dto.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { Field } from '../components/Field.js';
import { Fingerprint } from '../components/Fingerprint.js';
import { FormActions } from '../components/FormActions.js';
import { Loading } from '../components/Status.js';
import { TrustBadge } from '../components/TrustBadge.js';
import { useApp } from '../lib/app-context.js';
import { CallError } from '../lib/client.js';
import { useAction } from '../lib/hooks.js';

/**
 * Offline decrypt: open a saved `.dcrypt` file and decrypt it with this computer's keys. Needs no
 * network, so it works while the relay is unreachable.
 */
export function OfflineScreen() {
  const { client, info, openedFile, clearOpenedFile } = useApp();
  const [path, setPath] = useState(openedFile ?? '');
  const [folder, setFolder] = useState(info.defaultDownloadDir);
  const [result, setResult] = useState<OfflineDecryptResult | null>(null);
  const action = useAction();
  const ids = useId();

  // A file opened from the OS while this screen is shown replaces the path.
  useEffect(() => {
    if (openedFile !== null) {
      setPath(openedFile);
      setResult(null);
      clearOpenedFile();
    }
  }, [openedFile, clearOpenedFile]);

  const choose = () => {
    void action.run(async () => {
      const r = await client.call('dialog:openFiles', {
        title: 'Open an encrypted file',
        filters: [{ name: 'DataCrypt files', extensions: ['dcrypt'] }],
      });
      const first = r.paths.at(0);
      if (first !== undefined) setPath(first);
    });
  };

  /** Browser: copies the picked file to the host (web host upload) and uses that path. */
  const upload = (file: File) => {
    void action.run(async () => {
      const r = await client.api.pathForFile(file);
      if (!r.ok) throw new CallError(r.error);
      setPath(r.path);
    });
  };

  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    setResult(null);
    void action.run(async () => {
      setResult(await client.call('offline:decrypt', { path: path.trim(), folder: folder.trim() }));
    });
  };

  return (
    <div className="screen" data-testid="screen-offline">
      <h1 id="screen-heading" tabIndex={-1}>
        Decrypt a file
      </h1>
      <p>
        Open an encrypted <code>.dcrypt</code> file you saved earlier. This works without a
        connection: only your key on this computer is needed.
      </p>
      <form className="card" onSubmit={submit} aria-label="Decrypt a saved file">
        <Field
          label="Encrypted file (.dcrypt)"
          required
          value={path}
          onValue={setPath}
          hint="The full path of the file on this computer."
        />
        <div className="actions">
          {info.nativeDialogs ? (
            <button type="button" className="secondary" onClick={choose}>
              Choose file…
            </button>
          ) : (
            <>
              <input
                id={`${ids}-file`}
                className="visually-hidden file-input"
                type="file"
                accept=".dcrypt"
                onChange={(e) => {
                  const file = e.target.files?.[0];
                  e.target.value = '';
                  if (file !== undefined) upload(file);
                }}
              />
              <label className="button secondary-label" htmlFor={`${ids}-file`}>
                Choose a .dcrypt file
              </label>
            </>
          )}
        </div>
        <Field
          label="Save to folder"
          required
          value={folder}
          onValue={setFolder}
          hint="The decrypted files go here. Nothing is written unless the whole file checks out."
        />
        <FormActions submit="Decrypt" busy={action.busy} />
        {action.busy && <Loading label="Decrypting…" />}
        {action.error && <ErrorMessage error={action.error} />}
      </form>
      {result !== null && (
        <section className="card" data-testid="decrypt-result" aria-labelledby="result-heading">
          <h2 id="result-heading">Decrypted</h2>
          <p>
            Signed by{' '}
            {result.sender.email !== null ? (
              <strong>{result.sender.email}</strong>
            ) : (
              'a sender who is not in your contacts'
            )}{' '}
            <TrustBadge trust={result.sender.trust} />
          </p>
          <p>
            Sender key fingerprint: <Fingerprint value={result.sender.fingerprint} />
          </p>
          <h3>Saved files</h3>
          <ul aria-label="Saved files">
            {result.outputs.map((p) => (
              <li key={p}>
                <code>{p}</code>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
