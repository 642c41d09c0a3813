import { useId, useState, type SyntheticEvent } from 'react';
import type { Settings, SettingsPatch, TotpSetup } from '../../../shared/dto.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { Field } from '../components/Field.js';
import { Fingerprint } from '../components/Fingerprint.js';
import { FormActions } from '../components/FormActions.js';
import { QrCode } from '../components/QrCode.js';
import { Loading, Notice } from '../components/Status.js';
import { useApp } from '../lib/app-context.js';
import { formatTime } from '../lib/format.js';
import { useAction, useLoad } from '../lib/hooks.js';
import { KeyBackupForm } from './KeyBackupForm.js';

function AccountSection() {
  const { client, status, setStatus } = useApp();
  const action = useAction();
  return (
    <section className="card" aria-labelledby="account-heading">
      <h2 id="account-heading">Account</h2>
      <dl className="facts">
        <dt>Email</dt>
        <dd data-testid="settings-email">{status.email}</dd>
        <dt>Relay</dt>
        <dd>{status.relayUrl}</dd>
      </dl>
      <div className="actions">
        <button
          type="button"
          className="secondary"
          disabled={action.busy}
          onClick={() => {
            void action.run(async () => {
              setStatus(await client.call('account:logout'));
            });
          }}
        >
          Sign out
        </button>
      </div>
      {action.error && <ErrorMessage error={action.error} />}
    </section>
  );
}

function TwoFactorSection() {
  const { client, status, refreshStatus } = useApp();
  const action = useAction();
  const [setup, setSetup] = useState<TotpSetup | null>(null);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);

  const enable = (e: SyntheticEvent) => {
    e.preventDefault();
    void action.run(async () => {
      const r = await client.call('account:twoFactorEnable', { code: code.trim() });
      setCode('');
      setSetup(null);
      setRecoveryCodes(r.recoveryCodes);
    });
  };
  const disable = (e: SyntheticEvent) => {
    e.preventDefault();
    void action.run(async () => {
      await client.call('account:twoFactorDisable', { password, code: code.trim() });
      setPassword('');
      setCode('');
      await refreshStatus();
    });
  };

  let body;
  if (recoveryCodes !== null) {
    body = (
      <div data-testid="recovery-codes-panel">
        <p role="status">
          Two-step sign-in is on. Save these recovery codes somewhere safe. Each works once if you
          lose your phone. <strong>They are shown only now.</strong>
        </p>
        <ul className="codes" data-testid="recovery-codes" aria-label="Recovery codes">
          {recoveryCodes.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ul>
        <div className="actions">
          <button
            type="button"
            onClick={() => {
              setRecoveryCodes(null);
              void action.run(refreshStatus);
            }}
          >
            I saved them
          </button>
        </div>
      </div>
    );
  } else if (setup !== null) {
    body = (
      <form onSubmit={enable} aria-label="Set up two-step sign-in">
        <p>
          Scan this code with an authenticator app (for example on your phone), then enter the
          6-digit code it shows.
        </p>
        <QrCode value={setup.otpauthUrl} label="QR code for your authenticator app" />
        <p>
          Cannot scan? Type this key into the app:{' '}
          <code data-testid="totp-secret">{setup.secret}</code>
        </p>
        <Field
          label="Code from your app"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9]{6}"
          maxLength={6}
          required
          value={code}
          onValue={setCode}
        />
        <FormActions submit="Confirm" busy={action.busy}>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setSetup(null);
            }}
          >
            Cancel
          </button>
        </FormActions>
      </form>
    );
  } else if (status.totpEnabled) {
    body = (
      <form onSubmit={disable} aria-label="Turn off two-step sign-in">
        <p>Two-step sign-in is on. Signing in needs your password and a code from your app.</p>
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onValue={setPassword}
        />
        <Field
          label="Two-step code"
          inputMode="numeric"
          autoComplete="one-time-code"
          required
          value={code}
          onValue={setCode}
        />
        <div className="actions">
          <button type="submit" className="danger" disabled={action.busy}>
            Turn off two-step sign-in
          </button>
        </div>
      </form>
    );
  } else {
    body = (
      <>
        <p>
          Two-step sign-in is off. Turn it on so a stolen password alone cannot open your account.
        </p>
        <div className="actions">
          <button
            type="button"
            disabled={action.busy}
            onClick={() => {
              void action.run(async () => {
                setSetup(await client.call('account:twoFactorSetup'));
              });
            }}
          >
            Turn on two-step sign-in
          </button>
        </div>
      </>
    );
  }
  return (
    <section className="card" aria-labelledby="totp-heading" data-testid="settings-2fa">
      <h2 id="totp-heading">Two-step sign-in</h2>
      {body}
      {action.error && <ErrorMessage error={action.error} />}
    </section>
  );
}

function PreferencesSection() {
  const { client, info } = useApp();
  const loaded = useLoad(() => client.call('settings:get'));
  const [saved, setSaved] = useState<Settings | null>(null);
  const action = useAction();
  const [folder, setFolder] = useState<string | null>(null);
  const id = useId();
  const settings = saved ?? loaded.data;

  /** Applies the change on screen at once (checkboxes respond immediately), then saves it. */
  const patch = (p: SettingsPatch) => {
    const before = settings;
    if (before !== null) {
      setSaved({
        notifications: { ...before.notifications, ...p.notifications },
        downloadFolder: p.downloadFolder === undefined ? before.downloadFolder : p.downloadFolder,
        keepEncryptedCopy: p.keepEncryptedCopy ?? before.keepEncryptedCopy,
      });
    }
    void action.run(async () => {
      try {
        setSaved(await client.call('settings:set', p));
      } catch (e) {
        setSaved(before); // not saved: show what is really stored
        throw e;
      }
    });
  };

  return (
    <section className="card" aria-labelledby="notifications-heading">
      <h2 id="notifications-heading">Notifications</h2>
      {loaded.loading && settings === null && <Loading label="Loading settings…" />}
      {loaded.error && <ErrorMessage error={loaded.error} />}
      {settings !== null && (
        <>
          <div className="check">
            <input
              id={`${id}-new`}
              type="checkbox"
              checked={settings.notifications.newTransfers}
              onChange={(e) => {
                patch({ notifications: { newTransfers: e.target.checked } });
              }}
            />
            <label htmlFor={`${id}-new`}>Notify me when files arrive</label>
          </div>
          <div className="check">
            <input
              id={`${id}-receipts`}
              type="checkbox"
              checked={settings.notifications.receipts}
              onChange={(e) => {
                patch({ notifications: { receipts: e.target.checked } });
              }}
            />
            <label htmlFor={`${id}-receipts`}>Notify me when someone downloads what I sent</label>
          </div>
          <h3>Downloads</h3>
          <div className="check">
            <input
              id={`${id}-keep`}
              type="checkbox"
              checked={settings.keepEncryptedCopy}
              onChange={(e) => {
                patch({ keepEncryptedCopy: e.target.checked });
              }}
            />
            <label htmlFor={`${id}-keep`}>Keep an encrypted copy of downloads by default</label>
          </div>
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              const value = (folder ?? '').trim();
              patch({ downloadFolder: value === '' ? null : value });
            }}
          >
            <Field
              label="Download folder"
              value={folder ?? settings.downloadFolder ?? ''}
              onValue={setFolder}
              placeholder={info.defaultDownloadDir}
              hint={`Empty means ${info.defaultDownloadDir}.`}
            />
            <div className="actions">
              <button type="submit" className="secondary" disabled={action.busy}>
                Save download folder
              </button>
            </div>
          </form>
        </>
      )}
      {action.error && <ErrorMessage error={action.error} />}
    </section>
  );
}

type KeyPanel = 'backup' | 'restore' | 'rotate';

/** The key actions, each opening its panel below the buttons (again: closing it). */
const KEY_PANELS: readonly { panel: KeyPanel; label: string }[] = [
  { panel: 'backup', label: 'Back up key' },
  { panel: 'restore', label: 'Restore from backup' },
  { panel: 'rotate', label: 'Replace my key' },
];

function KeysSection() {
  const { client, info, refreshStatus } = useApp();
  const keys = useLoad(() => client.call('keys:show'));
  const action = useAction();
  const [panel, setPanel] = useState<KeyPanel | 'none'>('none');
  const [source, setSource] = useState('');
  const [pasted, setPasted] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [missing, setMissing] = useState(false);
  const textId = useId();
  const [notice, setNotice] = useState<string | null>(null);

  const restore = (e: SyntheticEvent) => {
    e.preventDefault();
    const path = source.trim();
    const text = pasted.trim();
    setMissing(path === '' && text === '');
    if (path === '' && text === '') return;
    void action.run(async () => {
      await client.call('keys:restore', {
        source: text !== '' ? { text } : { path },
        passphrase,
      });
      setPassphrase('');
      setSource('');
      setPasted('');
      setPanel('none');
      setNotice('Your key was restored from the backup.');
      keys.reload();
      await refreshStatus();
    });
  };

  const k = keys.data;
  return (
    <section className="card" aria-labelledby="keys-heading">
      <h2 id="keys-heading">Your key</h2>
      {keys.loading && k === null && <Loading label="Loading your key…" />}
      {keys.error && <ErrorMessage error={keys.error} />}
      {k !== null && (
        <>
          <p>
            Fingerprint: <Fingerprint value={k.fingerprint} testId="own-fingerprint" />
          </p>
          <p className="meta">
            Created {formatTime(k.createdAt)} · stored in{' '}
            {k.storage === 'keychain' ? 'the system keychain' : 'a passphrase-protected file'}
            {k.retired.length > 0 && ` · ${k.retired.length} older key(s) kept for old transfers`}
          </p>
        </>
      )}
      <div className="actions">
        {KEY_PANELS.map(({ panel: name, label }) => (
          <button
            key={name}
            type="button"
            className="secondary"
            aria-expanded={panel === name}
            onClick={() => {
              setPanel(panel === name ? 'none' : name);
            }}
          >
            {label}
          </button>
        ))}
      </div>
      {panel === 'backup' && (
        <KeyBackupForm
          client={client}
          info={info}
          onSaved={() => {
            void refreshStatus().catch(() => undefined);
          }}
        />
      )}
      {panel === 'restore' && (
        <form className="subform" onSubmit={restore} aria-label="Restore key">
          <Field
            label="Backup file"
            value={source}
            onValue={setSource}
            hint="The path of your backup file on this computer."
          />
          <div className="field">
            <label htmlFor={textId}>Or paste the backup text</label>
            <textarea
              id={textId}
              rows={6}
              value={pasted}
              onChange={(e) => {
                setPasted(e.target.value);
              }}
            />
          </div>
          {missing && (
            <p className="inline-error" role="alert">
              Give the backup file’s path or paste the backup text.
            </p>
          )}
          <Field
            label="Backup passphrase"
            type="password"
            autoComplete="current-password"
            required
            value={passphrase}
            onValue={setPassphrase}
          />
          <FormActions submit="Restore key" busy={action.busy} />
        </form>
      )}
      {panel === 'rotate' && (
        <div className="confirm" role="group" aria-label="Confirm key replacement">
          <p>
            DataCrypt makes a new key and publishes it. Your contacts will see that your key changed
            and must check it again before sending to you. Your old key is kept so that files
            already sent to you still open.
          </p>
          <div className="actions">
            <button
              type="button"
              className="danger"
              disabled={action.busy}
              onClick={() => {
                void action.run(async () => {
                  await client.call('keys:rotate');
                  setPanel('none');
                  setNotice('You have a new key. Ask your contacts to verify it again.');
                  keys.reload();
                  await refreshStatus();
                });
              }}
            >
              Yes, replace my key
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setPanel('none');
              }}
            >
              Keep my key
            </button>
          </div>
        </div>
      )}
      <Notice text={notice} />
      {action.error && <ErrorMessage error={action.error} />}
    </section>
  );
}

function RelaySection() {
  const { client, status, setStatus } = useApp();
  const [url, setUrl] = useState(status.relayUrl);
  const [notice, setNotice] = useState<string | null>(null);
  const action = useAction();
  return (
    <section className="card" aria-labelledby="relay-heading">
      <h2 id="relay-heading">Relay</h2>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setNotice(null);
          void action.run(async () => {
            setStatus(await client.call('account:setRelay', { url: url.trim() }));
            setNotice('Relay address saved.');
          });
        }}
      >
        <Field
          label="Relay address"
          type="url"
          required
          value={url}
          onValue={setUrl}
          hint="Changing the relay signs you in there; your contacts must use the same relay."
        />
        <FormActions submit="Save relay address" busy={action.busy} />
      </form>
      <Notice text={notice} />
      {action.error && <ErrorMessage error={action.error} />}
    </section>
  );
}

/** Settings: account, two-step sign-in, notifications, key backup/restore/rotate, relay. */
export function SettingsScreen() {
  return (
    <div className="screen" data-testid="screen-settings">
      <h1 id="screen-heading" tabIndex={-1}>
        Settings
      </h1>
      <AccountSection />
      <TwoFactorSection />
      <PreferencesSection />
      <KeysSection />
      <RelaySection />
    </div>
  );
}
