import { useState } from 'react';
import type { Client } from '../lib/client.js';
import type { AccountStatus, AppInfo, KeyBackup } from '../../../shared/dto.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { Field } from '../components/Field.js';
import { FormActions } from '../components/FormActions.js';
import { useAction } from '../lib/hooks.js';

/** Props of KeyBackupForm. */
export interface KeyBackupFormProps {
  client: Client;
  info: AppInfo;
  /** Called after a backup was made, with the refreshed account status when it could be read. */
  onSaved: (status: AccountStatus | null) => void;
}

/** The suggested backup file: the downloads folder + a fixed name. */
function suggestedPath(info: AppInfo): string {
  const dir = info.defaultDownloadDir.replace(/[\\/]+$/u, '');
  return `${dir}${info.pathSeparator}datacrypt-key-backup.txt`;
}

/**
 * Makes an encrypted key backup: passphrase (twice) and where to save it.
 * @example
 * <KeyBackupForm client={client} info={info} onSaved={() => setDone(true)} />
 */
export function KeyBackupForm({ client, info, onSaved }: KeyBackupFormProps) {
  const [passphrase, setPassphrase] = useState('');
  const [passphrase2, setPassphrase2] = useState('');
  const [path, setPath] = useState(() => suggestedPath(info));
  const [mismatch, setMismatch] = useState(false);
  const [saved, setSaved] = useState<KeyBackup | null>(null);
  const action = useAction();

  const choose = () => {
    void action.run(async () => {
      const r = await client.call('dialog:saveFile', {
        title: 'Save key backup',
        defaultName: 'datacrypt-key-backup.txt',
      });
      if (r.path !== null) setPath(r.path);
    });
  };

  return (
    <form
      className="subform"
      aria-label="Key backup"
      onSubmit={(e) => {
        e.preventDefault();
        if (passphrase !== passphrase2) {
          setMismatch(true);
          return;
        }
        setMismatch(false);
        void action.run(async () => {
          const target = path.trim();
          const backup = await client.call(
            'keys:backup',
            target === '' ? { passphrase } : { passphrase, path: target },
          );
          setPassphrase('');
          setPassphrase2('');
          setSaved(backup);
          let status: AccountStatus | null = null;
          try {
            status = await client.call('account:status');
          } catch {
            status = null; // the backup itself succeeded; the status refreshes later
          }
          onSaved(status);
        });
      }}
    >
      <Field
        label="Backup passphrase"
        type="password"
        autoComplete="new-password"
        required
        minLength={8}
        value={passphrase}
        onValue={setPassphrase}
        hint="At least 8 characters. Without it the backup cannot be opened, so write it down."
      />
      <Field
        label="Repeat backup passphrase"
        type="password"
        autoComplete="new-password"
        required
        value={passphrase2}
        onValue={setPassphrase2}
      />
      <Field
        label="Save backup to"
        value={path}
        onValue={setPath}
        hint="A file path, for example on a USB stick. Leave empty to show the backup here instead."
      />
      {mismatch && (
        <p className="inline-error" role="alert">
          The two passphrases are different. Type the same passphrase twice.
        </p>
      )}
      <FormActions submit="Save backup" busy={action.busy}>
        {info.nativeDialogs && (
          <button type="button" className="secondary" onClick={choose}>
            Choose where to save…
          </button>
        )}
      </FormActions>
      {action.error && <ErrorMessage error={action.error} />}
      {saved !== null && (
        <div role="status" data-testid="backup-saved" className="notice">
          {saved.path !== null ? (
            <p>
              Backup saved to <code>{saved.path}</code>.
            </p>
          ) : (
            <>
              <p>Your backup is below. Copy it into a file and keep it somewhere safe.</p>
              <textarea
                readOnly
                aria-label="Key backup text"
                rows={8}
                value={saved.armored}
                data-testid="backup-text"
              />
            </>
          )}
        </div>
      )}
    </form>
  );
}
