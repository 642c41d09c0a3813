import { useCallback, useEffect, useState } from 'react';
import type { Client } from './lib/client.js';
import type { AccountStatus, AppInfo } from '../../shared/dto.js';
import { ErrorMessage } from './components/ErrorMessage.js';
import { Loading } from './components/Status.js';
import { getClient, toShownError, type ShownError } from './lib/client.js';
import { Onboarding } from './screens/Onboarding.js';
import { Shell } from './Shell.js';

/** True when the account can use the app (signed in, key store open). */
function isReady(s: AccountStatus): boolean {
  return s.stage === 'ready' && (s.keyStore.kind !== 'passphrase-file' || s.keyStore.unlocked);
}

/** The app before the bridge answered, or when it is missing. */
function StartScreen({ error }: { error: ShownError | null }) {
  return (
    <main className="start" data-testid="screen-start">
      <h1>DataCrypt</h1>
      {error ? <ErrorMessage error={error} /> : <Loading label="Starting DataCrypt…" />}
    </main>
  );
}

function Connected({ client }: { client: Client }) {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [status, setStatus] = useState<AccountStatus | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  // Onboarding stays on screen after sign-in until its last step (key, backup) is done.
  const [onboarded, setOnboarded] = useState(false);

  useEffect(() => {
    let current = true;
    Promise.all([client.call('app:info'), client.call('account:status')]).then(
      ([i, s]) => {
        if (!current) return;
        setInfo(i);
        setStatus(s);
        setOnboarded(isReady(s));
      },
      (e: unknown) => {
        if (current) setError(toShownError(e));
      },
    );
    return () => {
      current = false;
    };
  }, [client]);

  useEffect(() => {
    const offConnection = client.on('connection:state', ({ state }) => {
      setStatus((s) => (s === null ? s : { ...s, connection: state }));
      // The relay ended the session (logged out elsewhere, refresh token spent): re-read the
      // account so the user lands on sign-in instead of failing calls.
      if (state === 'signed-out') {
        client.call('account:status').then(
          (s) => {
            setStatus(s);
            if (!isReady(s)) setOnboarded(false);
          },
          () => undefined,
        );
      }
    });
    const offUnread = client.on('inbox:unread', ({ count }) => {
      setStatus((s) => (s === null ? s : { ...s, unread: count }));
    });
    return () => {
      offConnection();
      offUnread();
    };
  }, [client]);

  const updateStatus = useCallback((s: AccountStatus) => {
    setStatus(s);
    // Signing out (or a lost session) sends the user back through sign-in.
    if (!isReady(s)) setOnboarded(false);
  }, []);

  const refreshStatus = useCallback(async () => {
    updateStatus(await client.call('account:status'));
  }, [client, updateStatus]);

  if (info === null || status === null) return <StartScreen error={error} />;
  if (!onboarded || !isReady(status)) {
    return (
      <Onboarding
        client={client}
        info={info}
        status={status}
        setStatus={updateStatus}
        onDone={() => {
          setOnboarded(true);
        }}
      />
    );
  }
  return (
    <Shell
      client={client}
      info={info}
      status={status}
      setStatus={updateStatus}
      refreshStatus={refreshStatus}
    />
  );
}

/**
 * The renderer root: finds the bridge, loads the host info and account status, then shows
 * onboarding or the app.
 */
export function App() {
  const [client] = useState(getClient);
  if (client === null) {
    return (
      <StartScreen error={{ code: 'E_BRIDGE', detail: 'window.datacrypt is not available' }} />
    );
  }
  return <Connected client={client} />;
}
