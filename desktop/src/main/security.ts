/**
 * Every security setting of the Electron app, in one module that imports only types from
 * Electron, so plain Node tests can check them (test/electron-security.test.ts) without the
 * Electron binary:
 * - the window: context isolation, sandbox, no Node integration, web security, no webview,
 *   preload only;
 * - the session: a strict CSP header on every response, every permission request and check denied;
 * - the page: navigation away from the app, new windows and webviews blocked;
 * - IPC: only the app's own main frame may call.
 * @module
 */
import type {
  BrowserWindowConstructorOptions,
  HandlerDetails,
  OnHeadersReceivedListenerDetails,
  HeadersReceivedResponse,
} from 'electron';
import { contentSecurityPolicy } from '../host/csp.js';

/** The privileged scheme the renderer build is served from (never file://). */
export const APP_SCHEME = 'datacrypt';
/** The host part of every app URL. */
export const APP_HOST = 'app';
/** The page the window loads. */
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** The app's CSP: own files only, no inline code, no eval, no remote origins. */
export const APP_CSP = contentSecurityPolicy();

/**
 * True when `url` is one of the app's own pages or files (`datacrypt://app/...`).
 * @example
 * isAppUrl('datacrypt://app/index.html'); // true
 * isAppUrl('https://evil.example/'); // false
 */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '';
  } catch {
    return false;
  }
}

/**
 * The options of the one app window.
 * @example
 * new BrowserWindow(windowOptions(join(here, '../preload/index.cjs')));
 */
export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1100,
    height: 760,
    minWidth: 720,
    minHeight: 520,
    show: false,
    title: 'DataCrypt',
    backgroundColor: '#ffffff',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      enableBlinkFeatures: '',
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      devTools: true,
    },
  };
}

/**
 * Adds the CSP header to a response (the `webRequest.onHeadersReceived` listener body); any CSP
 * the response already had is replaced, so nothing can loosen it.
 * @example
 * session.webRequest.onHeadersReceived((d, cb) => cb(withCspHeader(d)));
 */
export function withCspHeader(
  details: Pick<OnHeadersReceivedListenerDetails, 'responseHeaders'>,
): HeadersReceivedResponse {
  const headers: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
    if (name.toLowerCase() !== 'content-security-policy') headers[name] = value;
  }
  headers['Content-Security-Policy'] = [APP_CSP];
  headers['X-Content-Type-Options'] = ['nosniff'];
  return { responseHeaders: headers };
}

/** Permission requests (camera, notifications from the page, geolocation, ...): always denied. */
export function denyPermissionRequest(
  _contents: unknown,
  _permission: string,
  callback: (granted: boolean) => void,
): void {
  callback(false);
}

/** Permission checks: always false. */
export function denyPermissionCheck(): boolean {
  return false;
}

/** `setWindowOpenHandler`: no new windows, ever. */
export function denyWindowOpen(_details: HandlerDetails): { action: 'deny' } {
  return { action: 'deny' };
}

/** A `will-navigate` / `will-redirect` event: only `preventDefault` is used. */
export interface PreventableEvent {
  preventDefault(): void;
}

/**
 * The `will-navigate` handler: the page may only reload itself, never go elsewhere.
 * @example
 * contents.on('will-navigate', guardNavigation);
 */
export function guardNavigation(event: PreventableEvent, url: string): void {
  if (!isAppUrl(url)) event.preventDefault();
}

/** What `hardenSession` needs of an Electron Session. */
export interface HardenableSession {
  setPermissionRequestHandler(handler: typeof denyPermissionRequest): void;
  setPermissionCheckHandler(handler: typeof denyPermissionCheck): void;
  webRequest: {
    onHeadersReceived(
      listener: (
        details: OnHeadersReceivedListenerDetails,
        callback: (response: HeadersReceivedResponse) => void,
      ) => void,
    ): void;
  };
}

/**
 * Locks down the window's session: CSP on every response, permissions denied.
 * @example
 * hardenSession(session.defaultSession);
 */
export function hardenSession(session: HardenableSession): void {
  session.setPermissionRequestHandler(denyPermissionRequest);
  session.setPermissionCheckHandler(denyPermissionCheck);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback(withCspHeader(details));
  });
}

/** What `hardenContents` needs of an Electron WebContents. */
export interface HardenableContents {
  on(event: 'will-navigate' | 'will-redirect', listener: typeof guardNavigation): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: typeof denyWindowOpen): void;
}

/**
 * Locks down a page: no navigation away, no redirects away, no new windows, no webviews.
 * @example
 * app.on('web-contents-created', (_e, contents) => hardenContents(contents));
 */
export function hardenContents(contents: HardenableContents): void {
  contents.on('will-navigate', guardNavigation);
  contents.on('will-redirect', guardNavigation);
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
  contents.setWindowOpenHandler(denyWindowOpen);
}

/** The sender of an IPC message as Electron describes it (`event.senderFrame`). */
export interface SenderFrame {
  readonly url: string;
  readonly parent: unknown;
}

/**
 * True when an IPC call comes from the app's own page in its top frame (not an iframe, not
 * another origin, not a frame that navigated away).
 * @example
 * if (!isTrustedSender(event.senderFrame)) return senderRefused();
 */
export function isTrustedSender(frame: SenderFrame | null | undefined): boolean {
  if (frame === null || frame === undefined) return false;
  return frame.parent === null && isAppUrl(frame.url);
}
