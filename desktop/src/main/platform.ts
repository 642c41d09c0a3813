/**
 * The Electron side of HostPlatform: OS dialogs, the file manager, notifications, the unread
 * badge. Thin glue over Electron APIs.
 * @module
 */
import { app, dialog, Notification, shell, type BrowserWindow } from 'electron';
import type { OpenDialogRequest, SaveDialogRequest } from '#shared';
import type { HostPlatform } from '../host/platform.js';

/**
 * The platform of the app window `win` (dialogs are modal to it).
 * @example
 * const platform = electronPlatform(() => mainWindow);
 */
export function electronPlatform(win: () => BrowserWindow | null): HostPlatform {
  return {
    transport: 'electron',
    nativeDialogs: true,
    fileUpload: true,
    appVersion: app.getVersion(),
    openFiles: async (request: OpenDialogRequest) => {
      const properties: ('openFile' | 'openDirectory' | 'multiSelections')[] = [
        request.folders === true ? 'openDirectory' : 'openFile',
      ];
      if (request.multiple === true) properties.push('multiSelections');
      const options = {
        title: request.title ?? 'Choose',
        properties,
        filters: request.filters ?? [],
      };
      const owner = win();
      const result =
        owner === null
          ? await dialog.showOpenDialog(options)
          : await dialog.showOpenDialog(owner, options);
      return { paths: result.canceled ? [] : result.filePaths, supported: true };
    },
    saveFile: async (request: SaveDialogRequest) => {
      const options = {
        title: request.title ?? 'Save',
        defaultPath: request.defaultName ?? '',
        filters: request.filters ?? [],
      };
      const owner = win();
      const result =
        owner === null
          ? await dialog.showSaveDialog(options)
          : await dialog.showSaveDialog(owner, options);
      return {
        path: result.canceled || result.filePath === '' ? null : result.filePath,
        supported: true,
      };
    },
    showItem: (path: string) => {
      shell.showItemInFolder(path);
      return Promise.resolve(true);
    },
    notify: (title: string, body: string) => {
      if (!Notification.isSupported()) return;
      const note = new Notification({ title, body, silent: false });
      note.on('click', () => {
        const owner = win();
        if (owner !== null) {
          if (owner.isMinimized()) owner.restore();
          owner.focus();
        }
      });
      note.show();
    },
    setUnreadCount: (count: number) => {
      // Dock badge (macOS) / launcher count (Unity); elsewhere the window title carries it.
      app.setBadgeCount(count);
      win()?.setTitle(count > 0 ? `DataCrypt (${count})` : 'DataCrypt');
    },
  };
}
