import { useCallback, useEffect, useMemo, useRef, useState, type ComponentType } from 'react';
import type { Client } from './lib/client.js';
import type { AccountStatus, AppInfo, ConnectionState, LocalTransfer } from '../../shared/dto.js';
import { AppContext, type AppState, type ScreenName } from './lib/app-context.js';
import { ContactsScreen } from './screens/ContactsScreen.js';
import { InboxScreen } from './screens/InboxScreen.js';
import { OfflineScreen } from './screens/OfflineScreen.js';
import { SendScreen } from './screens/SendScreen.js';
import { SentScreen } from './screens/SentScreen.js';
import { SettingsScreen } from './screens/SettingsScreen.js';

const NAV: { screen: ScreenName; label: string }[] = [
  { screen: 'send', label: 'Send' },
  { screen: 'inbox', label: 'Inbox' },
  { screen: 'sent', label: 'Sent' },
  { screen: 'contacts', label: 'Contacts' },
  { screen: 'offline-decrypt', label: 'Decrypt a file' },
  { screen: 'settings', label: 'Settings' },
];

/** The component each screen name shows in the main area. */
const SCREENS: Record<ScreenName, ComponentType> = {
  send: SendScreen,
  inbox: InboxScreen,
  sent: SentScreen,
  contacts: ContactsScreen,
  'offline-decrypt': OfflineScreen,
  settings: SettingsScreen,
};

const CONNECTION_TEXT: Record<ConnectionState, string> = {
  online: 'Online',
  connecting: 'Connecting…',
  offline: 'Offline',
  'signed-out': 'Signed out',
};

/** Online / connecting (reconnecting once it was online) / offline, as text and a dot. */
function ConnectionIndicator({ state }: { state: ConnectionState }) {
  const wasOnline = useRef(false);
  if (state === 'online') wasOnline.current = true;
  const text =
    state === 'connecting' && wasOnline.current ? 'Reconnecting…' : CONNECTION_TEXT[state];
  return (
    <p className="connection" role="status" data-testid="connection-state" data-state={state}>
      <span className={`dot dot-${state}`} aria-hidden="true" />
      {text}
    </p>
  );
}

/** A key change pushed while the app runs, shown until dismissed or reviewed. */
interface KeyChangeNotice {
  email: string;
}

/** Props of Shell. */
export interface ShellProps {
  client: Client;
  info: AppInfo;
  status: AccountStatus;
  setStatus: (s: AccountStatus) => void;
  refreshStatus: () => Promise<void>;
}

/**
 * The signed-in app: header with connection state, main navigation with the unread count, the
 * current screen, and the live state every screen shares (local transfer progress).
 */
export function Shell({ client, info, status, setStatus, refreshStatus }: ShellProps) {
  const [screen, setScreen] = useState<ScreenName>('send');
  const [transfers, setTransfers] = useState<ReadonlyMap<string, LocalTransfer>>(new Map());
  const [openedFile, setOpenedFile] = useState<string | null>(null);
  const [keyChanges, setKeyChanges] = useState<KeyChangeNotice[]>([]);
  const [pendingContact, setPendingContact] = useState<string | null>(null);
  const navigated = useRef(false);

  const trackTransfer = useCallback((t: LocalTransfer) => {
    setTransfers((prev) => new Map(prev).set(t.id, t));
  }, []);

  const navigate = useCallback((next: ScreenName) => {
    navigated.current = true;
    setScreen(next);
  }, []);

  // The unread count in the window title too (taskbars and tab strips show it).
  useEffect(() => {
    document.title = status.unread > 0 ? `(${status.unread}) DataCrypt` : 'DataCrypt';
  }, [status.unread]);

  // After a navigation, move focus to the new screen's heading (not on first render).
  useEffect(() => {
    if (navigated.current) document.getElementById('screen-heading')?.focus();
  }, [screen]);

  useEffect(() => {
    let current = true;
    client.call('transfers:local').then(
      ({ items }) => {
        if (!current) return;
        setTransfers((prev) => {
          const next = new Map(prev);
          for (const t of items) if (!next.has(t.id)) next.set(t.id, t);
          return next;
        });
      },
      () => undefined, // progress then starts from the next event; screens show their own errors
    );
    client.call('app:takePendingOpenFile').then(
      ({ path }) => {
        if (current && path !== null) {
          setOpenedFile(path);
          navigate('offline-decrypt');
        }
      },
      () => undefined,
    );
    const offs = [
      client.on('transfer:progress', trackTransfer),
      client.on('app:openFile', ({ path }) => {
        setOpenedFile(path);
        navigate('offline-decrypt');
      }),
      client.on('app:menu', ({ action }) => {
        navigate(action);
      }),
      client.on('contact:keyChanged', ({ email }) => {
        setKeyChanges((prev) =>
          prev.some((k) => k.email === email) ? prev : [...prev, { email }],
        );
      }),
    ];
    return () => {
      current = false;
      for (const off of offs) off();
    };
  }, [client, trackTransfer, navigate]);

  const state: AppState = useMemo(
    () => ({
      client,
      info,
      status,
      setStatus,
      refreshStatus,
      screen,
      navigate,
      transfers,
      trackTransfer,
      openedFile,
      clearOpenedFile: () => {
        setOpenedFile(null);
      },
      pendingContact,
      openContact: (email: string) => {
        setPendingContact(email);
        navigate('contacts');
      },
      clearPendingContact: () => {
        setPendingContact(null);
      },
    }),
    [
      client,
      info,
      status,
      setStatus,
      refreshStatus,
      screen,
      navigate,
      transfers,
      trackTransfer,
      openedFile,
      pendingContact,
    ],
  );

  const Content = SCREENS[screen];

  return (
    <AppContext.Provider value={state}>
      <div className="shell" data-testid="app-shell">
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="topbar">
          <p className="brand">DataCrypt</p>
          <p className="account" data-testid="account-email">
            {status.email}
          </p>
          <ConnectionIndicator state={status.connection} />
        </header>
        <nav aria-label="Main" className="nav">
          <ul>
            {NAV.map(({ screen: s, label }) => (
              <li key={s}>
                <button
                  type="button"
                  aria-current={s === screen ? 'page' : undefined}
                  onClick={() => {
                    navigate(s);
                  }}
                >
                  {label}
                  {s === 'inbox' && status.unread > 0 && (
                    <span className="count">
                      <span className="visually-hidden">, </span>
                      <span data-testid="unread-count">{status.unread}</span>
                      <span className="visually-hidden"> unread</span>
                    </span>
                  )}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" className="content">
          {keyChanges.length > 0 && (
            <div className="banner warning" role="alert" data-testid="key-change-notice">
              {keyChanges.map(({ email }) => (
                <p key={email}>
                  The key of <strong>{email}</strong> changed. Sending to them is paused until you
                  check it.{' '}
                  <button
                    type="button"
                    className="link"
                    onClick={() => {
                      setKeyChanges((prev) => prev.filter((k) => k.email !== email));
                      setPendingContact(email);
                      navigate('contacts');
                    }}
                  >
                    Review {email}
                  </button>{' '}
                  <button
                    type="button"
                    className="link"
                    onClick={() => {
                      setKeyChanges((prev) => prev.filter((k) => k.email !== email));
                    }}
                  >
                    Dismiss<span className="visually-hidden"> notice about {email}</span>
                  </button>
                </p>
              ))}
            </div>
          )}
          <Content />
        </main>
      </div>
    </AppContext.Provider>
  );
}
