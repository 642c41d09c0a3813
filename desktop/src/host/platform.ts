/**
 * What differs between the Electron app and the web host, behind one interface: dialogs, the OS
 * file manager, notifications, the unread badge. Everything else is the same host code.
 * @module
 */
import type {
  OpenDialogRequest,
  OpenDialogResult,
  SaveDialogRequest,
  SaveDialogResult,
  Transport,
} from '#shared';

/**
 * The transport-specific side of the host.
 * @example
 * const platform: HostPlatform = webPlatform(); // no dialogs, no notifications
 */
export interface HostPlatform {
  readonly transport: Transport;
  /** True when `openFiles`/`saveFile` show OS dialogs. */
  readonly nativeDialogs: boolean;
  /** True when the renderer can turn browser files into paths (`pathForFile`). */
  readonly fileUpload: boolean;
  readonly appVersion: string;
  openFiles(request: OpenDialogRequest): Promise<OpenDialogResult>;
  saveFile(request: SaveDialogRequest): Promise<SaveDialogResult>;
  /** Reveals a file in the OS file manager; false when not possible. */
  showItem(path: string): Promise<boolean>;
  /** Shows an OS notification (no-op where there is none). */
  notify(title: string, body: string): void;
  /** Shows the unread count on the dock/taskbar/tray (no-op where there is none). */
  setUnreadCount(count: number): void;
}

/**
 * The platform of a transport without native UI (the web host): dialogs answer "not supported"
 * so the UI shows path fields; notifications and badges are left to the browser page.
 * @example
 * new HostRuntime({ platform: headlessPlatform('web', version), ... });
 */
export function headlessPlatform(transport: Transport, appVersion: string): HostPlatform {
  return {
    transport,
    nativeDialogs: false,
    fileUpload: transport === 'web',
    appVersion,
    openFiles: () => Promise.resolve({ paths: [], supported: false }),
    saveFile: () => Promise.resolve({ path: null, supported: false }),
    showItem: () => Promise.resolve(false),
    notify: () => undefined,
    setUnreadCount: () => undefined,
  };
}
