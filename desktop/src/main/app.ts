/**
 * The Electron main process (loaded by index.ts): thin glue. One hardened window loading the renderer build from the
 * privileged `datacrypt://app/` scheme, the contract on IPC (host/handlers.ts via the shared
 * dispatcher), the application menu, and `.dcrypt` files opened from the OS landing in offline
 * decrypt. All behaviour lives in src/host and src/core; all security settings in security.ts.
 * @module
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  protocol,
  session as electronSession,
} from 'electron';
import { defaultProfileDir } from '../core/session/index.js';
import { createDispatcher } from '../host/dispatcher.js';
import { handlers } from '../host/handlers.js';
import { HostRuntime } from '../host/runtime.js';
import { serveAppRequest } from './app-files.js';
import { forwardEvents, registerIpc } from './ipc.js';
import { menuTemplate } from './menu.js';
import { dcryptPathsFromArgv } from './open-file.js';
import { electronPlatform } from './platform.js';
import {
  APP_INDEX_URL,
  APP_SCHEME,
  hardenContents,
  hardenSession,
  windowOptions,
} from './security.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const PRELOAD = join(here, '..', 'preload', 'index.cjs');
const RENDERER_DIR = join(here, '..', '..', 'dist-renderer');

const log = {
  error: (message: string, error?: unknown): void => {
    const detail = error instanceof Error ? ` (${error.name}: ${error.message})` : '';
    process.stderr.write(`datacrypt: ${message}${detail}\n`);
  },
};

let mainWindow: BrowserWindow | null = null;
let runtime: HostRuntime | null = null;
/** `.dcrypt` files opened before the runtime was ready (macOS fires open-file early). */
const earlyFiles: string[] = [];

function openDcrypt(path: string): void {
  if (runtime === null) earlyFiles.push(path);
  else runtime.openFile(path);
  if (mainWindow !== null) {
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  }
}

function createWindow(host: HostRuntime): BrowserWindow {
  const win = new BrowserWindow(windowOptions(PRELOAD));
  const stopEvents = forwardEvents(host.events, win.webContents);
  win.once('ready-to-show', () => {
    win.show();
  });
  win.on('closed', () => {
    stopEvents();
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(APP_INDEX_URL);
  return win;
}

async function start(): Promise<void> {
  hardenSession(electronSession.defaultSession);
  protocol.handle(APP_SCHEME, (request) =>
    serveAppRequest(RENDERER_DIR, request.url, request.method),
  );

  const env = process.env;
  const host = await HostRuntime.open({
    profileDir: defaultProfileDir(env),
    relayUrl: env['DATACRYPT_RELAY_URL'],
    keyStorePassphrase: env['DATACRYPT_KEYSTORE_PASSPHRASE'],
    platform: electronPlatform(() => mainWindow),
    log,
    defaultDownloadDir: (() => {
      try {
        return app.getPath('downloads');
      } catch {
        return homedir();
      }
    })(),
  });
  runtime = host;
  registerIpc(ipcMain, createDispatcher(handlers, log), host);

  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate(
        {
          navigate: (action) => {
            host.emit('app:menu', { action });
          },
          openDcryptFile: () => {
            const owner = mainWindow;
            const options = {
              title: 'Open a DataCrypt file',
              properties: ['openFile' as const],
              filters: [{ name: 'DataCrypt files', extensions: ['dcrypt'] }],
            };
            const picked =
              owner === null
                ? dialog.showOpenDialog(options)
                : dialog.showOpenDialog(owner, options);
            picked.then(
              (r) => {
                const first = r.filePaths.at(0);
                if (!r.canceled && first !== undefined) openDcrypt(first);
              },
              (error: unknown) => {
                log.error('open dialog failed', error);
              },
            );
          },
        },
        process.platform,
      ),
    ),
  );

  mainWindow = createWindow(host);
  const argvFiles = dcryptPathsFromArgv(process.argv.slice(app.isPackaged ? 1 : 2), process.cwd());
  for (const path of [...earlyFiles.splice(0), ...argvFiles]) host.openFile(path);

  app.on('activate', () => {
    if (mainWindow === null) mainWindow = createWindow(host);
  });
}

// Every renderer is sandboxed, whatever its options (defence in depth next to windowOptions).
app.enableSandbox();
// Must run before `ready`: the app scheme is a secure, standard origin (CSP 'self' applies).
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_event, argv, workingDirectory) => {
    for (const path of dcryptPathsFromArgv(argv.slice(1), workingDirectory)) openDcrypt(path);
    if (mainWindow !== null) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });
  app.on('open-file', (event, path) => {
    event.preventDefault();
    openDcrypt(path);
  });
  app.on('web-contents-created', (_event, contents) => {
    hardenContents(contents);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let closing = false;
  app.on('before-quit', (event) => {
    if (closing || runtime === null) return;
    closing = true;
    event.preventDefault();
    const quit = (): void => {
      app.quit();
    };
    runtime.close().then(quit, (error: unknown) => {
      log.error('shutdown failed', error);
      quit();
    });
  });
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      log.error('DataCrypt could not start', error);
      dialog.showErrorBox(
        'DataCrypt could not start',
        error instanceof Error ? error.message : String(error),
      );
      app.exit(1);
    });
}
