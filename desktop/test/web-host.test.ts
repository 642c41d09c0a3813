// The web host end to end on this machine: a real relay, a real profile (file key store), the web
// host server on 127.0.0.1, and the real browser client (renderer-bridge) over a real `ws`
// WebSocket. Checks the gatekeeping (token, Origin, Host, traversal), argument validation over the
// wire, a full account round trip against the relay, pushed events and file uploads.
import { request } from 'node:http';
import { mkdtemp, readFile, rm, writeFile, mkdir, utimes, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WEB_IPC_PATH, WEB_PROTOCOL, tokenProtocol } from '../shared/index.js';
import {
  createWebBridge,
  type FetchLike,
  type WebBridge,
  type WebSocketCtor,
} from '../src/renderer-bridge/web-client.js';
import { pruneUploads, startWebHostApp, type WebHostApp } from '../src/web-host/app.js';
import { startRelay, type TestRelay } from './helpers/relay.js';

const PASSWORD = 'correct horse battery';
const silentLog = { error: () => undefined };

let relay: TestRelay;
let app: WebHostApp;
let dir: string;
let bridge: WebBridge;

/** The `ws` client as a browser WebSocket that sends `origin` (a browser always sends one). */
function wsFrom(origin: string): WebSocketCtor {
  class OriginWebSocket extends WebSocket {
    constructor(url: string, protocols: string[]) {
      super(url, protocols, { origin });
    }
  }
  return OriginWebSocket;
}

/** Tries a raw upgrade; resolves with the HTTP status the server refused it with, or 101. */
function upgradeStatus(headers: { origin?: string; protocols?: string[] }): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${app.web.port}${WEB_IPC_PATH}`, headers.protocols, {
      ...(headers.origin === undefined ? {} : { origin: headers.origin }),
    });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', (error) => {
      if (!error.message.includes('Unexpected server response')) reject(error);
    });
  });
}

/** A raw GET (fetch would normalize the path and forbid a custom Host). */
function rawGet(
  path: string,
  host: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: app.web.port, path, method: 'GET', headers: { host } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Node's fetch as a browser page's: same-origin POSTs carry Origin. */
function pageFetch(origin: string): FetchLike {
  return (url, init) =>
    fetch(url, {
      method: init.method,
      headers: { ...init.headers, Origin: origin },
      body: init.body as Blob,
    });
}

beforeAll(async () => {
  relay = await startRelay();
  dir = await mkdtemp(join(tmpdir(), 'web-host-'));
  const rendererDir = join(dir, 'renderer');
  await mkdir(rendererDir);
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>DataCrypt</title>');
  await writeFile(join(dir, 'secret.txt'), 'outside the renderer');
  app = await startWebHostApp({
    profileDir: join(dir, 'profile'),
    relayUrl: relay.url,
    rendererDir,
    appVersion: '0.0.0-test',
    log: silentLog,
    keyStore: 'file',
    keyStorePassphrase: 'profile passphrase',
    scryptLog2N: 10,
  });
  bridge = createWebBridge({
    origin: app.web.origin,
    token: app.web.token,
    WebSocket: wsFrom(app.web.origin),
    fetch: pageFetch(app.web.origin),
  });
});

afterAll(async () => {
  bridge.close();
  await app.close();
  await relay.close();
  await rm(dir, { recursive: true, force: true });
});

describe('web host gatekeeping', () => {
  it('prints a loopback URL with a 256-bit token in the fragment', () => {
    expect(app.web.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43}$/u);
  });

  it('refuses a socket without the token, with a wrong token, or from another origin', async () => {
    const origin = app.web.origin;
    const wrong = 'A'.repeat(43);
    expect(await upgradeStatus({ origin, protocols: [WEB_PROTOCOL] })).toBe(401);
    expect(await upgradeStatus({ origin, protocols: [WEB_PROTOCOL, tokenProtocol(wrong)] })).toBe(
      401,
    );
    const good = [WEB_PROTOCOL, tokenProtocol(app.web.token)];
    expect(await upgradeStatus({ origin: 'http://evil.example', protocols: good })).toBe(403);
    expect(await upgradeStatus({ protocols: good })).toBe(403);
    expect(await upgradeStatus({ origin, protocols: good })).toBe(101);
  });

  it('serves the renderer with a strict CSP, only to its own Host, never outside its folder', async () => {
    const page = await rawGet('/', `127.0.0.1:${app.web.port}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('DataCrypt');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/u);
    expect((await rawGet('/', 'evil.example')).status).toBe(421);
    expect((await rawGet('/%2e%2e/secret.txt', `127.0.0.1:${app.web.port}`)).status).toBe(404);
    expect((await rawGet('/../secret.txt', `127.0.0.1:${app.web.port}`)).status).toBe(404);
  });
});

describe('web host calls', () => {
  it('answers bad arguments and unknown channels with coded errors and keeps serving', async () => {
    const bad = await bridge.invoke('contacts:add', { email: 42 } as never);
    expect(bad).toMatchObject({ ok: false, error: { code: 'E_IPC_ARGUMENT' } });
    const extra = await bridge.invoke('account:status', { admin: true });
    expect(extra).toMatchObject({ ok: false, error: { code: 'E_IPC_ARGUMENT' } });
    const unknown = await bridge.invoke('contacts:delete' as never, {} as never);
    expect(unknown).toMatchObject({ ok: false, error: { code: 'E_IPC_CHANNEL' } });
    // A password never appears in an argument error.
    const leaky = await bridge.invoke('account:login', {
      email: 'not-an-email',
      password: 'hunter2-secret',
    });
    expect(leaky.ok).toBe(false);
    expect(JSON.stringify(leaky)).not.toContain('hunter2-secret');
    expect((await bridge.invoke('app:info')).ok).toBe(true);
  });

  it('answers garbage on the socket with a protocol error and stays up', async () => {
    const ws = new WebSocket(
      `ws://127.0.0.1:${app.web.port}${WEB_IPC_PATH}`,
      [WEB_PROTOCOL, tokenProtocol(app.web.token)],
      { origin: app.web.origin },
    );
    const messages: unknown[] = [];
    ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8'))));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send('{not json');
    ws.send(JSON.stringify({ t: 'call', id: 'x', channel: 'app:info' }));
    ws.send(JSON.stringify({ t: 'call', id: 7, channel: 'app:info', args: {} }));
    const deadline = Date.now() + 5000;
    while (messages.length < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    ws.close();
    expect(messages).toHaveLength(3);
    expect(messages[0]).toMatchObject({ t: 'error', error: { code: 'E_IPC_PROTOCOL' } });
    expect(messages[1]).toMatchObject({ t: 'error', error: { code: 'E_IPC_PROTOCOL' } });
    expect(messages[2]).toMatchObject({ t: 'result', id: 7, result: { ok: true } });
  });

  it('round-trips register, verify and login against a real relay', async () => {
    const info = await bridge.invoke('app:info');
    expect(info).toMatchObject({ ok: true, value: { transport: 'web', nativeDialogs: false } });

    const first = await bridge.invoke('account:status');
    expect(first).toMatchObject({
      ok: true,
      value: { stage: 'no-account', relayUrl: relay.url, keyStore: { unlocked: true } },
    });

    const email = 'alice@example.com';
    const registered = await bridge.invoke('account:register', { email, password: PASSWORD });
    expect(registered).toMatchObject({ ok: true, value: { stage: 'unverified', email } });

    const wrongCode = relay.mailer.lastCode(email) === '000000' ? '111111' : '000000';
    const refused = await bridge.invoke('account:verifyEmail', { code: wrongCode });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.code).toMatch(/^E_[A-Z_]+$/u);

    const verified = await bridge.invoke('account:verifyEmail', {
      code: relay.mailer.lastCode(email),
    });
    expect(verified.ok).toBe(true);

    const login = await bridge.invoke('account:login', { email, password: PASSWORD });
    expect(login).toMatchObject({
      ok: true,
      value: { status: 'ok', keyCreated: true, account: { stage: 'ready', email } },
    });
    const keys = await bridge.invoke('keys:show');
    expect(keys.ok && keys.value.fingerprint).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){15}$/u);

    const badLogin = await bridge.invoke('account:login', { email, password: 'wrong password!' });
    expect(badLogin).toMatchObject({ ok: false, error: { code: 'E_INVALID_CREDENTIALS' } });
  });

  it('pushes host events to the browser client', async () => {
    const received = new Promise<string>((resolve) => {
      const off = bridge.on('app:openFile', ({ path }) => {
        off();
        resolve(path);
      });
    });
    // The listener's socket is open once a call went through on it.
    await bridge.invoke('app:info');
    app.runtime.openFile('/tmp/report.pdf.dcrypt');
    expect(await received).toBe('/tmp/report.pdf.dcrypt');
    const pending = await bridge.invoke('app:takePendingOpenFile');
    expect(pending).toEqual({ ok: true, value: { path: '/tmp/report.pdf.dcrypt' } });
    expect(await bridge.invoke('app:takePendingOpenFile')).toEqual({
      ok: true,
      value: { path: null },
    });
  });

  it('stores uploaded browser files in the profile and refuses uploads without the token', async () => {
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 31) % 251);
    const file = new File([bytes], '../../evil name.bin', { type: 'application/octet-stream' });
    const answer = await bridge.pathForFile(file);
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    expect(answer.path.startsWith(join(dir, 'profile', 'uploads'))).toBe(true);
    expect(answer.path.endsWith('evil name.bin')).toBe(true);
    expect((await readFile(answer.path)).equals(bytes)).toBe(true);

    const stranger = createWebBridge({
      origin: app.web.origin,
      token: 'B'.repeat(43),
      WebSocket: wsFrom(app.web.origin),
      fetch: pageFetch(app.web.origin),
    });
    const refused = await stranger.pathForFile(file);
    expect(refused).toMatchObject({ ok: false, error: { code: 'E_IPC_SENDER' } });
    const call = await stranger.invoke('app:info');
    expect(call).toMatchObject({ ok: false, error: { code: 'E_IPC_DISCONNECTED' } });
    stranger.close();
  });

  it('prunes week-old upload folders and keeps recent ones', async () => {
    const uploads = join(dir, 'prune');
    await mkdir(join(uploads, 'old'), { recursive: true });
    await mkdir(join(uploads, 'new'), { recursive: true });
    const now = Date.now();
    const old = new Date(now - 8 * 24 * 3600 * 1000);
    await utimes(join(uploads, 'old'), old, old);
    expect(await pruneUploads(uploads, 7 * 24 * 3600 * 1000, now)).toBe(1);
    expect(await readdir(uploads)).toEqual(['new']);
    expect(await pruneUploads(join(dir, 'missing'), 1, now)).toBe(0);
  });
});
