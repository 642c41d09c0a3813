import { useEffect, useRef, useState, type SyntheticEvent } from 'react';
import type { Client } from '../lib/client.js';
import type { AccountStatus, AppInfo, LoginResult } from '../../../shared/dto.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { Field } from '../components/Field.js';
import { Fingerprint } from '../components/Fingerprint.js';
import { FormActions } from '../components/FormActions.js';
import { Loading, Notice } from '../components/Status.js';
import { useAction } from '../lib/hooks.js';
import { KeyBackupForm } from './KeyBackupForm.js';

type Step =
  'unlock' | 'relay' | 'register' | 'login' | 'verify-email' | 'second-factor' | 'key' | 'backup';

/** Where onboarding starts for a given account status (e.g. after a restart mid-way). */
function firstStep(status: AccountStatus): Step {
  if (status.keyStore.kind === 'passphrase-file' && !status.keyStore.unlocked) return 'unlock';
  switch (status.stage) {
    case 'no-account':
      return 'relay';
    case 'unverified':
      return 'verify-email';
    case 'signed-out':
      return 'login';
    case 'second-factor':
      return 'second-factor';
    case 'ready':
      return 'key';
  }
}

const RECOVERY_CODE = /^[a-z0-9]{5}-[a-z0-9]{5}$/u;

/** Props of Onboarding. */
export interface OnboardingProps {
  client: Client;
  info: AppInfo;
  status: AccountStatus;
  setStatus: (s: AccountStatus) => void;
  /** Called when the user is signed in, has a key and went past the backup prompt. */
  onDone: () => void;
}

/**
 * First run and sign-in: relay, register or log in, email code, optional two-step code, the key
 * (generated into the keychain on first sign-in) with its fingerprint, and a backup prompt.
 * @example
 * <Onboarding client={client} info={info} status={status} setStatus={setStatus} onDone={finish} />
 */
export function Onboarding({ client, info, status, setStatus, onDone }: OnboardingProps) {
  const [step, setStep] = useState<Step>(() => firstStep(status));
  const [relayUrl, setRelayUrl] = useState(status.relayUrl);
  const [email, setEmail] = useState(status.email ?? '');
  const [password, setPassword] = useState('');
  const [password2, setPassword2] = useState('');
  const [code, setCode] = useState('');
  const [secondFactor, setSecondFactor] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [keyCreated, setKeyCreated] = useState(false);
  const [backupSaved, setBackupSaved] = useState(false);
  const [mismatch, setMismatch] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const action = useAction();
  const heading = useRef<HTMLHeadingElement>(null);

  // Move focus to the new step's heading so keyboard and screen-reader users follow along (not
  // on first render: the page starts at the top anyway).
  const firstRender = useRef(true);
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    heading.current?.focus();
  }, [step]);

  const go = (next: Step) => {
    action.setError(null);
    setNotice(null);
    setMismatch(false);
    setStep(next);
  };

  const afterLogin = (result: LoginResult) => {
    if (result.status === 'second-factor-required') {
      go('second-factor');
      return;
    }
    setPassword('');
    setPassword2('');
    setKeyCreated(result.keyCreated);
    setStatus(result.account);
    go('key');
  };

  const chooseRelay = (next: 'register' | 'login') => {
    void action.run(async () => {
      if (relayUrl.trim() !== status.relayUrl) {
        setStatus(await client.call('account:setRelay', { url: relayUrl.trim() }));
      }
      go(next);
    });
  };

  // Register and sign-in both go back to the relay choice.
  const backToRelay = (
    <button
      type="button"
      className="secondary"
      onClick={() => {
        go('relay');
      }}
    >
      Back
    </button>
  );

  const submit = (e: SyntheticEvent, fn: () => Promise<void>) => {
    e.preventDefault();
    void action.run(fn);
  };

  let body;
  switch (step) {
    case 'unlock':
      body = (
        <form
          onSubmit={(e) => {
            submit(e, async () => {
              const s = await client.call('keys:unlock', { passphrase });
              setPassphrase('');
              setStatus(s);
              go(firstStep(s));
            });
          }}
        >
          <h2 ref={heading} tabIndex={-1}>
            Unlock your keys
          </h2>
          <p>
            This computer has no system keychain, so DataCrypt keeps your keys in a file protected
            by a passphrase. {status.keyStore.reason}
          </p>
          <Field
            label="Key store passphrase"
            type="password"
            autoComplete="current-password"
            required
            value={passphrase}
            onValue={setPassphrase}
          />
          <FormActions submit="Unlock" busy={action.busy} />
        </form>
      );
      break;
    case 'relay':
      body = (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            chooseRelay('register');
          }}
        >
          <h2 ref={heading} tabIndex={-1}>
            Choose your relay
          </h2>
          <p>
            The relay passes your encrypted files along. It never sees their contents. Keep the
            local relay unless your organisation gave you an address.
          </p>
          <Field
            label="Relay address"
            type="url"
            required
            value={relayUrl}
            onValue={setRelayUrl}
            hint="For example https://relay.example.com"
          />
          <FormActions submit="Create an account" busy={action.busy}>
            <button
              type="button"
              className="secondary"
              disabled={action.busy}
              onClick={() => {
                chooseRelay('login');
              }}
            >
              I already have an account
            </button>
          </FormActions>
        </form>
      );
      break;
    case 'register':
      body = (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (password !== password2) {
              setMismatch(true);
              return;
            }
            setMismatch(false);
            void action.run(async () => {
              setStatus(await client.call('account:register', { email: email.trim(), password }));
              go('verify-email');
            });
          }}
        >
          <h2 ref={heading} tabIndex={-1}>
            Create your account
          </h2>
          <Field
            label="Email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onValue={setEmail}
          />
          <Field
            label="Password"
            type="password"
            autoComplete="new-password"
            required
            minLength={10}
            value={password}
            onValue={setPassword}
            hint="At least 10 characters. It protects your account on the relay, not your files."
          />
          <Field
            label="Repeat password"
            type="password"
            autoComplete="new-password"
            required
            value={password2}
            onValue={setPassword2}
          />
          {mismatch && (
            <p className="inline-error" role="alert">
              The two passwords are different. Type the same password twice.
            </p>
          )}
          <FormActions submit="Create account" busy={action.busy}>
            {backToRelay}
          </FormActions>
        </form>
      );
      break;
    case 'login':
      body = (
        <form
          onSubmit={(e) => {
            submit(e, async () => {
              afterLogin(await client.call('account:login', { email: email.trim(), password }));
            });
          }}
        >
          <h2 ref={heading} tabIndex={-1}>
            Sign in
          </h2>
          <p>Relay: {status.relayUrl}</p>
          <Field
            label="Email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onValue={setEmail}
          />
          <Field
            label="Password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onValue={setPassword}
          />
          <FormActions submit="Sign in" busy={action.busy}>
            {backToRelay}
          </FormActions>
        </form>
      );
      break;
    case 'verify-email':
      body = (
        <form
          onSubmit={(e) => {
            submit(e, async () => {
              const s = await client.call('account:verifyEmail', { code });
              setStatus(s);
              setCode('');
              if (s.stage === 'ready') {
                setKeyCreated(true);
                go('key');
              } else if (password !== '') {
                afterLogin(await client.call('account:login', { email: email.trim(), password }));
              } else {
                go('login');
              }
            });
          }}
        >
          <h2 ref={heading} tabIndex={-1}>
            Check your email
          </h2>
          <p>
            We sent a 6-digit code to <strong>{email}</strong>. Enter it to confirm the address.
          </p>
          <Field
            label="Email code"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9]{6}"
            maxLength={6}
            required
            value={code}
            onValue={setCode}
          />
          <Notice text={notice} />
          <FormActions submit="Confirm code" busy={action.busy}>
            <button
              type="button"
              className="secondary"
              disabled={action.busy}
              onClick={() => {
                void action.run(async () => {
                  await client.call('account:resendCode');
                  setNotice('A new code is on its way. Check your inbox and spam folder.');
                });
              }}
            >
              Send a new code
            </button>
          </FormActions>
        </form>
      );
      break;
    case 'second-factor':
      body = (
        <form
          onSubmit={(e) => {
            submit(e, async () => {
              const value = secondFactor.trim();
              const args = RECOVERY_CODE.test(value) ? { recoveryCode: value } : { code: value };
              const result = await client.call('account:loginSecondFactor', args);
              setSecondFactor('');
              afterLogin(result);
            });
          }}
        >
          <h2 ref={heading} tabIndex={-1}>
            Two-step sign-in
          </h2>
          <p>Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>
          <Field
            label="Two-step code"
            autoComplete="one-time-code"
            required
            value={secondFactor}
            onValue={setSecondFactor}
          />
          <FormActions submit="Continue" busy={action.busy} />
        </form>
      );
      break;
    case 'key':
      body = (
        <section aria-labelledby="key-heading">
          <h2 id="key-heading" ref={heading} tabIndex={-1}>
            Your key
          </h2>
          <p>
            {keyCreated
              ? 'DataCrypt created your encryption key on this computer'
              : 'Your encryption key is on this computer'}
            {status.keyStore.kind === 'keychain'
              ? ', stored in the system keychain.'
              : ', stored in a passphrase-protected file.'}{' '}
            Only this key can open files sent to you. Its fingerprint is:
          </p>
          {status.fingerprint !== null ? (
            <Fingerprint value={status.fingerprint} testId="own-fingerprint" />
          ) : (
            <p>No key yet: it is created when you sign in.</p>
          )}
          <p className="hint">
            Contacts can compare this fingerprint with what their app shows to be sure it is you.
          </p>
          <div className="actions">
            <button
              type="button"
              onClick={() => {
                if (status.backupRecommended) go('backup');
                else onDone();
              }}
            >
              Continue
            </button>
          </div>
        </section>
      );
      break;
    case 'backup':
      body = (
        <section aria-labelledby="backup-heading">
          <h2 id="backup-heading" ref={heading} tabIndex={-1}>
            Back up your key
          </h2>
          <p>
            If this computer is lost, a backup is the only way to open files already sent to you.
            The backup is encrypted with a passphrase you choose: keep both somewhere safe, apart.
          </p>
          <KeyBackupForm
            client={client}
            info={info}
            onSaved={(s) => {
              setBackupSaved(true);
              if (s !== null) setStatus(s);
            }}
          />
          <div className="actions">
            {backupSaved ? (
              <button type="button" onClick={onDone}>
                Continue
              </button>
            ) : (
              <button
                type="button"
                className="secondary"
                disabled={action.busy}
                onClick={() => {
                  void action.run(async () => {
                    setStatus(await client.call('keys:dismissBackup'));
                    onDone();
                  });
                }}
              >
                Skip for now
              </button>
            )}
          </div>
        </section>
      );
      break;
  }

  return (
    <main className="onboarding" data-testid="screen-onboarding" data-step={step}>
      <h1>Welcome to DataCrypt</h1>
      <p className="lead">Send files that only the people you choose can open.</p>
      <div className="card">
        {body}
        {action.busy && (
          <Loading
            label={
              step === 'login' || step === 'verify-email' || step === 'second-factor'
                ? 'Signing in… (the first time, DataCrypt also creates your key)'
                : 'Working…'
            }
          />
        )}
        {action.error && <ErrorMessage error={action.error} />}
      </div>
    </main>
  );
}
