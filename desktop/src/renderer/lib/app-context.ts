/**
 * What every screen shares: the client, what the host can do, the account status, navigation,
 * and the live local transfers (so progress survives switching screens).
 * @module
 */
import { createContext, useContext } from 'react';
import type { Client } from './client.js';
import type { AccountStatus, AppInfo, LocalTransfer } from '../../../shared/dto.js';

/** The screens of the signed-in app. */
export type ScreenName = 'send' | 'inbox' | 'sent' | 'contacts' | 'offline-decrypt' | 'settings';

/** Shared app state and actions. */
export interface AppState {
  client: Client;
  info: AppInfo;
  status: AccountStatus;
  /** Replaces the account status after a call that returned a new one. */
  setStatus: (status: AccountStatus) => void;
  /** Re-reads the account status from the host. */
  refreshStatus: () => Promise<void>;
  screen: ScreenName;
  navigate: (screen: ScreenName) => void;
  /** Local sends/receives by local id, updated from `transfer:progress` events. */
  transfers: ReadonlyMap<string, LocalTransfer>;
  /** Records a transfer a call just returned (before its first progress event). */
  trackTransfer: (t: LocalTransfer) => void;
  /** A `.dcrypt` path opened from the OS, for the offline decrypt screen (consumed once). */
  openedFile: string | null;
  clearOpenedFile: () => void;
  /** A contact to open when the contacts screen shows next (e.g. from a key-change notice). */
  pendingContact: string | null;
  /** Shows the contacts screen with this contact open. */
  openContact: (email: string) => void;
  clearPendingContact: () => void;
}

/** The React context of AppState; provided by App once signed in. */
export const AppContext = createContext<AppState | null>(null);

/**
 * The shared app state (inside the signed-in app only).
 * @example
 * const { client, navigate } = useApp();
 */
export function useApp(): AppState {
  const state = useContext(AppContext);
  if (state === null) throw new Error('useApp outside AppContext');
  return state;
}
