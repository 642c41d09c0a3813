// The Electron layer without the Electron binary (it cannot be downloaded on these machines):
// the security settings and handlers from src/main/security.ts (which imports only types from
// electron) are checked with plain Node, driven through small recording stand-ins for the
// Electron objects they are given; the IPC registration, the app:// file server, the argv
// parsing and the real preload bundle (loaded in a vm with a recording `electron` module) too.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHANNELS,
  IPC_EVENT_CHANNEL,
  ipcChannelName,
  type DataCryptApi,
  type IpcResult,
} from '../shared/index.js';
import { serveAppRequest } from '../src/main/app-files.js';
import { registerIpc, type InvokeEvent } from '../src/main/ipc.js';
import { menuTemplate } from '../src/main/menu.js';
import { dcryptPathsFromArgv } from '../src/main/open-file.js';
import {
  APP_CSP,
  APP_INDEX_URL,
  hardenContents,
  hardenSession,
  isTrustedSender,
  windowOptions,
  withCspHeader,
  type HardenableContents,
  type HardenableSession,
  type PreventableEvent,
} from '../src/main/security.js';

const desktop = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

function preventable(): PreventableEvent & { prevented: boolean } {
  const e = {
    prevented: false,
    preventDefault() {
      e.prevented = true;
    },
  };
  return e;
}

describe('window options', () => {
  it('isolate, sandbox and disable Node in the renderer', () => {
    const options = windowOptions('/app/dist/preload/index.cjs');
    const prefs = options.webPreferences ?? {};
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs.navigateOnDragDrop).toBe(false);
    expect(prefs.preload).toBe('/app/dist/preload/index.cjs');
  });

  it('loads the app from its own privileged scheme, not file:// or the network', () => {
    expect(APP_INDEX_URL).toBe('datacrypt://app/index.html');
  });
});

describe('content security policy', () => {
  it('allows only the app itself: no inline code, no eval, no remote origins', () => {
    expect(APP_CSP).toMatch(/default-src 'none'/u);
    expect(APP_CSP).toMatch(/script-src 'self'(;|$)/u);
    expect(APP_CSP).toMatch(/connect-src 'self'(;|$)/u);
    expect(APP_CSP).toMatch(/object-src 'none'/u);
    expect(APP_CSP).toMatch(/frame-ancestors 'none'/u);
    expect(APP_CSP).not.toMatch(/unsafe-inline|unsafe-eval|wasm-unsafe|\*|https?:|wss?:|data:/u);
  });

  it('replaces any CSP a response carries', () => {
    const out = withCspHeader({
      responseHeaders: {
        'content-security-policy': ["script-src 'unsafe-inline'"],
        'Content-Type': ['text/html'],
      },
    });
    expect(out.responseHeaders).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': [APP_CSP],
      'X-Content-Type-Options': ['nosniff'],
    });
    expect(withCspHeader({}).responseHeaders?.['Content-Security-Policy']).toEqual([APP_CSP]);
  });

  it('the renderer page carries a CSP meta tag without unsafe sources', async () => {
    const html = await readFile(join(desktop, 'src/renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/u.exec(html);
    expect(meta?.[1]).toBeDefined();
    expect(meta?.[1]).toMatch(/script-src 'self'/u);
    expect(meta?.[1]).not.toMatch(/unsafe-inline|unsafe-eval|https?:/u);
  });
});

describe('session hardening', () => {
  function recordingSession() {
    const rec: {
      request?: Parameters<HardenableSession['setPermissionRequestHandler']>[0];
      check?: Parameters<HardenableSession['setPermissionCheckHandler']>[0];
      headers?: Parameters<HardenableSession['webRequest']['onHeadersReceived']>[0];
    } = {};
    const session: HardenableSession = {
      setPermissionRequestHandler: (h) => (rec.request = h),
      setPermissionCheckHandler: (h) => (rec.check = h),
      webRequest: { onHeadersReceived: (l) => (rec.headers = l) },
    };
    return { session, rec };
  }

  it('denies every permission request and check, and sets the CSP on responses', () => {
    const { session, rec } = recordingSession();
    hardenSession(session);
    for (const permission of ['media', 'notifications', 'geolocation', 'openExternal', 'unknown']) {
      const answers: boolean[] = [];
      rec.request?.(null, permission, (granted) => answers.push(granted));
      expect(answers).toEqual([false]);
    }
    expect(rec.check?.()).toBe(false);
    let response: unknown;
    rec.headers?.({ responseHeaders: {} } as never, (r) => (response = r));
    expect(response).toMatchObject({ responseHeaders: { 'Content-Security-Policy': [APP_CSP] } });
  });
});

describe('page hardening', () => {
  function recordingContents() {
    const on = new Map<string, (event: PreventableEvent, url: string) => void>();
    let openHandler: ((d: never) => { action: string }) | undefined;
    const contents: HardenableContents = {
      on: (event: string, listener: (event: PreventableEvent, url: string) => void) => {
        on.set(event, listener);
        return contents;
      },
      setWindowOpenHandler: (h) => (openHandler = h as never),
    };
    return { contents, on, open: () => openHandler };
  }

  it('blocks navigation and redirects away from the app, webviews and new windows', () => {
    const { contents, on, open } = recordingContents();
    hardenContents(contents);
    for (const event of ['will-navigate', 'will-redirect']) {
      for (const url of ['https://evil.example/', 'file:///etc/passwd', 'datacrypt://other/']) {
        const e = preventable();
        on.get(event)?.(e, url);
        expect(e.prevented, `${event} ${url}`).toBe(true);
      }
      const reload = preventable();
      on.get(event)?.(reload, 'datacrypt://app/index.html');
      expect(reload.prevented).toBe(false);
    }
    const webview = preventable();
    on.get('will-attach-webview')?.(webview, '');
    expect(webview.prevented).toBe(true);
    expect(open()?.({ url: 'https://evil.example/' } as never)).toEqual({ action: 'deny' });
  });

  it('trusts IPC only from the app main frame', () => {
    expect(isTrustedSender({ url: 'datacrypt://app/index.html', parent: null })).toBe(true);
    expect(isTrustedSender({ url: 'datacrypt://app/index.html', parent: {} })).toBe(false);
    expect(isTrustedSender({ url: 'https://evil.example/', parent: null })).toBe(false);
    expect(isTrustedSender({ url: 'datacrypt://app@evil/', parent: null })).toBe(false);
    expect(isTrustedSender({ url: 'file:///index.html', parent: null })).toBe(false);
    expect(isTrustedSender(null)).toBe(false);
  });

  it('main wires every hardening step into the app (static check of the glue)', async () => {
    const source = await readFile(join(desktop, 'src/main/app.ts'), 'utf8');
    for (const step of [
      'app.enableSandbox()',
      'hardenSession(electronSession.defaultSession)',
      'hardenContents(contents)',
      'new BrowserWindow(windowOptions(PRELOAD))',
      'registerIpc(ipcMain,',
      'app.requestSingleInstanceLock()',
      "app.on('open-file'",
      'win.loadURL(APP_INDEX_URL)',
    ]) {
      expect(source, step).toContain(step);
    }
    expect(source).not.toMatch(/nodeIntegration|contextIsolation|webSecurity|sandbox:/u);
  });

  it('the security module imports nothing but types from electron', async () => {
    const source = await readFile(join(desktop, 'src/main/security.ts'), 'utf8');
    const imports = [...source.matchAll(/^import\s+(type\s+)?[^;]*from\s+'electron';/gmu)];
    expect(imports.length).toBeGreaterThan(0);
    for (const m of imports) expect(m[1]).toBe('type ');
  });
});

describe('IPC registration', () => {
  it('registers every channel and refuses senders other than the app main frame', async () => {
    const handlers = new Map<string, (event: InvokeEvent, args: unknown) => Promise<unknown>>();
    const calls: unknown[] = [];
    const off = registerIpc(
      {
        handle: (name, listener) => handlers.set(name, listener),
        removeHandler: (name) => handlers.delete(name),
      },
      (channel, args) => {
        calls.push([channel, args]);
        return Promise.resolve({
          ok: true,
          value: { revoked: true },
        } as IpcResult<'transfers:revoke'>);
      },
      undefined,
    );
    expect([...handlers.keys()].sort()).toEqual(CHANNELS.map(ipcChannelName).sort());

    const revoke = handlers.get(ipcChannelName('transfers:revoke'));
    const refused = await revoke?.(
      { senderFrame: { url: 'https://evil.example/', parent: null } },
      {},
    );
    expect(refused).toMatchObject({ ok: false, error: { code: 'E_IPC_SENDER' } });
    const iframe = await revoke?.({ senderFrame: { url: APP_INDEX_URL, parent: {} } }, {});
    expect(iframe).toMatchObject({ ok: false, error: { code: 'E_IPC_SENDER' } });
    expect(calls).toEqual([]);

    const args = { transferId: 'abcdefgh12345678' };
    const ok = await revoke?.({ senderFrame: { url: APP_INDEX_URL, parent: null } }, args);
    expect(ok).toEqual({ ok: true, value: { revoked: true } });
    expect(calls).toEqual([['transfers:revoke', args]]);
    off();
    expect(handlers.size).toBe(0);
  });
});

describe('app files (datacrypt://app)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'app-files-'));
    await mkdir(join(dir, 'build', 'assets'), { recursive: true });
    await writeFile(join(dir, 'build', 'index.html'), '<!doctype html><title>DataCrypt</title>');
    await writeFile(join(dir, 'build', 'assets', 'main.js'), 'console.log(1)');
    await writeFile(join(dir, 'secret.txt'), 'secret');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the build with the CSP and nothing outside it', async () => {
    const root = join(dir, 'build');
    const index = await serveAppRequest(root, 'datacrypt://app/index.html');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toBe(APP_CSP);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(await index.text()).toContain('DataCrypt');
    const js = await serveAppRequest(root, 'datacrypt://app/assets/main.js');
    expect(js.headers.get('content-type')).toContain('javascript');
    for (const url of [
      'datacrypt://app/../secret.txt',
      'datacrypt://app/%2e%2e/secret.txt',
      'datacrypt://app/..%2fsecret.txt',
      'datacrypt://other/index.html',
      'datacrypt://app/missing.js',
    ]) {
      expect((await serveAppRequest(root, url)).status, url).toBe(404);
    }
    expect((await serveAppRequest(root, APP_INDEX_URL, 'POST')).status).toBe(405);
  });
});

describe('.dcrypt files from the OS', () => {
  it('takes .dcrypt arguments, absolute against the working directory', () => {
    expect(
      dcryptPathsFromArgv(
        ['--no-sandbox', 'report.pdf.dcrypt', '/abs/Photos.DCRYPT', 'notes.txt', '--x=a.dcrypt'],
        '/home/me',
      ),
    ).toEqual(['/home/me/report.pdf.dcrypt', '/abs/Photos.DCRYPT']);
  });
});

describe('application menu', () => {
  it('navigates the UI and opens .dcrypt files', () => {
    const actions: string[] = [];
    const template = menuTemplate(
      {
        navigate: (action) => actions.push(action),
        openDcryptFile: () => actions.push('open-file'),
      },
      'linux',
    );
    const items = template.flatMap((menu) => (Array.isArray(menu.submenu) ? menu.submenu : []));
    const click = (label: string): void => {
      const item = items.find((i) => i.label === label);
      expect(item, label).toBeDefined();
      (item?.click as (() => void) | undefined)?.();
    };
    for (const label of [
      'Send Files…',
      'Inbox',
      'Sent',
      'Contacts',
      'Offline Decrypt',
      'Settings',
    ]) {
      click(label);
    }
    click('Open DataCrypt File…');
    expect(actions).toEqual([
      'send',
      'inbox',
      'sent',
      'contacts',
      'offline-decrypt',
      'settings',
      'open-file',
    ]);
    expect(template.some((m) => m.role === 'appMenu')).toBe(false);
    expect(menuTemplate({ navigate: () => 0, openDcryptFile: () => 0 }, 'darwin')[0]?.role).toBe(
      'appMenu',
    );
  });
});

describe('preload bundle', () => {
  beforeAll(async () => {
    await run(process.execPath, [join(desktop, 'scripts/build-preload.mjs')], { cwd: desktop });
  }, 120_000);

  it('requires only electron and exposes a contract bridge', async () => {
    const code = await readFile(join(desktop, 'dist/preload/index.cjs'), 'utf8');
    const required = [...code.matchAll(/require\(\s*["']([^"']+)["']\s*\)/gu)].map((m) => m[1]);
    expect(new Set(required)).toEqual(new Set(['electron']));

    const exposed = new Map<string, unknown>();
    const invoked: unknown[] = [];
    let eventListener: ((event: unknown, message: unknown) => void) | undefined;
    const electron = {
      contextBridge: {
        exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value),
      },
      ipcRenderer: {
        invoke: (channel: string, args: unknown) => {
          invoked.push([channel, args]);
          return Promise.resolve({ ok: true, value: { path: null } });
        },
        on: (channel: string, listener: (event: unknown, message: unknown) => void) => {
          if (channel === IPC_EVENT_CHANNEL) eventListener = listener;
        },
      },
      webUtils: { getPathForFile: () => '/home/me/report.pdf' },
    };
    const module = { exports: {} };
    runInNewContext(code, {
      require: (name: string) => {
        if (name !== 'electron') throw new Error(`preload required ${name}`);
        return electron;
      },
      module,
      exports: module.exports,
    });
    expect([...exposed.keys()]).toEqual(['datacrypt']);
    const api = exposed.get('datacrypt') as DataCryptApi;
    expect(api.transport).toBe('electron');

    expect(await api.invoke('app:takePendingOpenFile')).toEqual({
      ok: true,
      value: { path: null },
    });
    expect(invoked).toEqual([[ipcChannelName('app:takePendingOpenFile'), {}]]);
    const unknown = await api.invoke('nope' as never, {} as never);
    expect(unknown).toMatchObject({ ok: false, error: { code: 'E_IPC_CHANNEL' } });
    expect(invoked).toHaveLength(1);

    const counts: number[] = [];
    const off = api.on('inbox:unread', ({ count }) => counts.push(count));
    eventListener?.({}, { event: 'inbox:unread', payload: { count: 3 } });
    eventListener?.({}, { event: 'not:an-event', payload: { count: 4 } });
    off();
    eventListener?.({}, { event: 'inbox:unread', payload: { count: 5 } });
    expect(counts).toEqual([3]);

    expect(await api.pathForFile({ name: 'report.pdf', size: 1, type: '' })).toEqual({
      ok: true,
      path: '/home/me/report.pdf',
    });
  });
});
