/**
 * The application menu: standard roles plus navigation items the UI handles (`app:menu` events)
 * and "Open DataCrypt File…" (offline decrypt).
 * @module
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { EventPayload } from '#shared';

/** What the menu asks the app to do. */
export interface MenuActions {
  navigate(action: EventPayload<'app:menu'>['action']): void;
  openDcryptFile(): void;
}

/**
 * The menu template (Menu.buildFromTemplate takes it).
 * @example
 * Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(actions, process.platform)));
 */
export function menuTemplate(
  actions: MenuActions,
  platform: NodeJS.Platform,
): MenuItemConstructorOptions[] {
  const go = (action: EventPayload<'app:menu'>['action']) => () => {
    actions.navigate(action);
  };
  const mac = platform === 'darwin';
  return [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        { label: 'Send Files…', accelerator: 'CmdOrCtrl+N', click: go('send') },
        {
          label: 'Open DataCrypt File…',
          accelerator: 'CmdOrCtrl+O',
          click: () => {
            actions.openDcryptFile();
          },
        },
        { type: 'separator' },
        { label: 'Settings', accelerator: 'CmdOrCtrl+,', click: go('settings') },
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&Go',
      submenu: [
        { label: 'Inbox', accelerator: 'CmdOrCtrl+1', click: go('inbox') },
        { label: 'Sent', accelerator: 'CmdOrCtrl+2', click: go('sent') },
        { label: 'Contacts', accelerator: 'CmdOrCtrl+3', click: go('contacts') },
        { label: 'Offline Decrypt', accelerator: 'CmdOrCtrl+4', click: go('offline-decrypt') },
      ],
    },
    {
      label: '&View',
      submenu: [
        { role: 'reload' },
        { role: 'toggleDevTools' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
  ];
}
