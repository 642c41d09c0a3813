/**
 * Installs the web host client as `window.datacrypt` when the page runs in a plain browser (no
 * Electron preload). The renderer calls `installWebBridge()` once before it starts; under Electron
 * the preload already defined `window.datacrypt` and this does nothing.
 *
 * The launch token arrives in the URL fragment (`#token=...`, never sent to a server); it is kept
 * in sessionStorage (this tab only) so a reload works, and removed from the address bar.
 * @module
 */
import type { DataCryptApi } from '../../shared/index.js';
import { createWebBridge } from './web-client.js';

const STORAGE_KEY = 'datacrypt.webHostToken';
const TOKEN = /^[A-Za-z0-9_-]{43}$/u;

function readToken(win: Window): string | null {
  const fragment = new URLSearchParams(win.location.hash.replace(/^#/u, ''));
  const fromUrl = fragment.get('token');
  if (fromUrl !== null && TOKEN.test(fromUrl)) {
    win.sessionStorage.setItem(STORAGE_KEY, fromUrl);
    win.history.replaceState(null, '', win.location.pathname + win.location.search);
    return fromUrl;
  }
  const stored = win.sessionStorage.getItem(STORAGE_KEY);
  return stored !== null && TOKEN.test(stored) ? stored : null;
}

/**
 * `window.datacrypt`: the preload's when present, else the web host client (null when the page
 * was opened without a token, i.e. not from the URL the web host printed).
 * @example
 * const api = installWebBridge(); if (api === null) showOpenFromWebHostMessage();
 */
export function installWebBridge(win: Window = window): DataCryptApi | null {
  const target = win as Window & { datacrypt?: DataCryptApi };
  if (target.datacrypt !== undefined) return target.datacrypt;
  const token = readToken(win);
  if (token === null) return null;
  const api = createWebBridge({ origin: win.location.origin, token });
  Object.defineProperty(target, 'datacrypt', { value: api, enumerable: true });
  return api;
}
