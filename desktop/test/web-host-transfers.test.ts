// Two users, each with their own profile and web host, talking to one real relay through the real
// browser client: the transfer channels and pushed events end to end (send with progress, live
// inbox, receive with an encrypted copy, receipt, sent status, offline decrypt, revoke).
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type {
  CallResult,
  Channel,
  EventName,
  EventPayload,
  IpcResult,
  LocalTransfer,
} from '../shared/index.js';
import { createWebBridge, type WebBridge } from '../src/renderer-bridge/web-client.js';
import { startWebHostApp, type WebHostApp } from '../src/web-host/app.js';
import { startRelay, type TestRelay } from './helpers/relay.js';

const PASSWORD = 'correct horse battery';

interface User {
  email: string;
  app: WebHostApp;
  api: WebBridge;
}

let relay: TestRelay;
let dir: string;
let alice: User;
let bob: User;

function unwrap<C extends Channel>(answer: IpcResult<C>): CallResult<C> {
  if (!answer.ok) throw new Error(`${answer.error.code}: ${answer.error.message}`);
  return answer.value;
}

/** Resolves with the first event payload that matches, or rejects after `ms`. */
function nextEvent<E extends EventName>(
  user: User,
  event: E,
  match: (p: EventPayload<E>) => boolean,
  ms = 30_000,
): Promise<EventPayload<E>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${event} for ${user.email} within ${ms} ms`));
    }, ms);
    const off = user.api.on(event, (p) => {
      if (!match(p)) return;
      clearTimeout(timer);
      off();
      resolve(p);
    });
  });
}

async function startUser(email: string): Promise<User> {
  const app = await startWebHostApp({
    profileDir: join(dir, email),
    relayUrl: relay.url,
    rendererDir: join(dir, 'renderer'),
    appVersion: '0.0.0-test',
    log: { error: () => undefined },
    keyStore: 'file',
    keyStorePassphrase: `${email} passphrase`,
    scryptLog2N: 10,
  });
  const origin = app.web.origin;
  class OriginWebSocket extends WebSocket {
    constructor(url: string, protocols: string[]) {
      super(url, protocols, { origin });
    }
  }
  const api = createWebBridge({
    origin,
    token: app.web.token,
    WebSocket: OriginWebSocket,
  });
  unwrap(await api.invoke('account:register', { email, password: PASSWORD }));
  unwrap(await api.invoke('account:verifyEmail', { code: relay.mailer.lastCode(email) }));
  const login = unwrap(await api.invoke('account:login', { email, password: PASSWORD }));
  expect(login.status).toBe('ok');
  return { email, app, api };
}

beforeAll(async () => {
  relay = await startRelay();
  dir = await mkdtemp(join(tmpdir(), 'web-host-transfers-'));
  await mkdir(join(dir, 'renderer'));
  await writeFile(join(dir, 'renderer', 'index.html'), '<!doctype html><title>DataCrypt</title>');
  alice = await startUser('alice@example.com');
  bob = await startUser('bob@example.com');
  unwrap(await alice.api.invoke('contacts:add', { email: bob.email }));
  unwrap(await bob.api.invoke('contacts:add', { email: alice.email }));
}, 120_000);

afterAll(async () => {
  for (const user of [alice, bob]) {
    user.api.close();
    await user.app.close();
  }
  await relay.close();
  await rm(dir, { recursive: true, force: true });
});

describe('transfers through the web host', () => {
  it('reports the live connection to the relay', async () => {
    const deadline = Date.now() + 15_000;
    let state = '';
    while (Date.now() < deadline) {
      state = unwrap(await bob.api.invoke('account:status')).connection;
      if (state === 'online') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(state).toBe('online');
  });

  it('sends, shows up live, receives with a copy, confirms with a receipt', async () => {
    const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7 + (i >> 11)) % 256);
    const source = join(dir, 'report.bin');
    await writeFile(source, bytes);

    const arrived = nextEvent(bob, 'transfer:new', (p) => p.sender === alice.email);
    const unread = nextEvent(bob, 'inbox:unread', (p) => p.count >= 1);
    const progress: LocalTransfer[] = [];
    const offProgress = alice.api.on('transfer:progress', (p) => progress.push(p));
    const sent = nextEvent(alice, 'transfer:progress', (p) => p.state === 'completed');

    const started = unwrap(
      await alice.api.invoke('transfers:send', {
        paths: [source],
        recipients: [bob.email],
        expiryDays: 1,
      }),
    );
    expect(started.direction).toBe('send');
    expect(started.paths).toEqual([source]);
    const done = await sent;
    offProgress();
    expect(done.id).toBe(started.id);
    expect(done.transferId).not.toBeNull();
    expect(done.bytes).toBe(done.totalBytes);
    expect(progress.every((p) => p.id === started.id)).toBe(true);

    const news = await arrived;
    expect(news.transferId).toBe(done.transferId);
    expect((await unread).count).toBeGreaterThanOrEqual(1);

    const inbox = unwrap(await bob.api.invoke('transfers:inbox'));
    const item = inbox.items.find((i) => i.transferId === news.transferId);
    expect(item).toMatchObject({ sender: alice.email, senderTrust: 'unverified', unread: true });
    expect(inbox.unread).toBeGreaterThanOrEqual(1);

    const receipt = nextEvent(alice, 'transfer:receipt', (p) => p.transferId === news.transferId);
    const received = nextEvent(
      bob,
      'transfer:progress',
      (p) => p.direction === 'receive' && p.state === 'completed',
    );
    const out = join(dir, 'bob-downloads');
    const receiving = unwrap(
      await bob.api.invoke('transfers:receive', {
        transferId: news.transferId,
        folder: out,
        keepEncryptedCopy: true,
      }),
    );
    expect(receiving.direction).toBe('receive');
    const got = await received;
    const plain = got.outputs.find((o) => !o.endsWith('.dcrypt'));
    expect(plain).toBeDefined();
    // Buffer.equals: vitest's deep equality is far too slow on megabytes.
    expect((await readFile(plain ?? '')).equals(bytes)).toBe(true);

    const r = await receipt;
    expect(r).toMatchObject({ recipient: bob.email, verified: true });
    const sentList = unwrap(await alice.api.invoke('transfers:sent'));
    const mine = sentList.items.find((s) => s.transferId === news.transferId);
    expect(mine?.recipients).toEqual([
      expect.objectContaining({ email: bob.email, state: 'receipt-verified' }) as unknown,
    ]);
    expect(mine?.names).toEqual(['report.bin']);

    const after = unwrap(await bob.api.invoke('transfers:inbox'));
    expect(after.items.find((i) => i.transferId === news.transferId)?.unread).toBe(false);
    expect(unwrap(await bob.api.invoke('transfers:hide', { transferId: news.transferId }))).toEqual(
      {
        hidden: true,
      },
    );
    const hidden = unwrap(await bob.api.invoke('transfers:inbox'));
    expect(hidden.items.some((i) => i.transferId === news.transferId)).toBe(false);

    // The kept ciphertext decrypts offline with Bob's keys.
    const local = unwrap(await bob.api.invoke('transfers:local'));
    const record = local.items.find((t) => t.id === receiving.id);
    expect(record?.state).toBe('completed');
    const dcrypt = (await readdir(out)).find((name) => name.endsWith('.dcrypt'));
    expect(dcrypt).toBeDefined();
    const offline = unwrap(
      await bob.api.invoke('offline:decrypt', {
        path: join(out, dcrypt ?? ''),
        folder: join(dir, 'offline'),
      }),
    );
    expect(offline.sender).toMatchObject({ email: alice.email, trust: 'unverified' });
    expect((await readFile(offline.outputs[0] ?? '')).equals(bytes)).toBe(true);
  });

  it('revokes a transfer: the recipient is told and can no longer download it', async () => {
    const source = join(dir, 'second.txt');
    await writeFile(source, 'revoke me');
    const arrived = nextEvent(bob, 'transfer:new', (p) => p.sender === alice.email);
    const sent = nextEvent(alice, 'transfer:progress', (p) => p.state === 'completed');
    unwrap(await alice.api.invoke('transfers:send', { paths: [source], recipients: [bob.email] }));
    const transferId = (await sent).transferId ?? '';
    expect((await arrived).transferId).toBe(transferId);

    const told = nextEvent(bob, 'transfer:changed', (p) => p.transferId === transferId);
    expect(unwrap(await alice.api.invoke('transfers:revoke', { transferId }))).toEqual({
      revoked: true,
    });
    expect((await told).change).toBe('revoked');
    const inbox = unwrap(await bob.api.invoke('transfers:inbox'));
    expect(inbox.items.some((i) => i.transferId === transferId)).toBe(false);
    const refused = await bob.api.invoke('transfers:receive', {
      transferId,
      folder: join(dir, 'never'),
      keepEncryptedCopy: false,
    });
    if (refused.ok) {
      const failed = await nextEvent(
        bob,
        'transfer:progress',
        (p) => p.id === refused.value.id && (p.state === 'failed' || p.state === 'completed'),
      );
      expect(failed.state).toBe('failed');
      expect(failed.errorCode).toMatch(/^E_/u);
    } else {
      expect(refused.error.code).toMatch(/^E_/u);
    }
  });

  it('announces a contact key change live and blocks sending until it is resolved', async () => {
    const before = unwrap(await alice.api.invoke('contacts:show', { email: bob.email }));
    const told = nextEvent(alice, 'contact:keyChanged', (p) => p.email === bob.email);
    const rotated = unwrap(await bob.api.invoke('keys:rotate'));
    const change = await told;
    expect(change).toEqual({
      email: bob.email,
      oldFingerprint: before.contact.fingerprint,
      newFingerprint: rotated.fingerprint,
    });

    const source = join(dir, 'blocked.txt');
    await writeFile(source, 'not yet');
    const blocked = await alice.api.invoke('transfers:send', {
      paths: [source],
      recipients: [bob.email],
    });
    expect(blocked).toMatchObject({
      ok: false,
      error: {
        code: 'E_KEY_CHANGED',
        details: { email: bob.email, newFingerprint: rotated.fingerprint },
      },
    });

    const detail = unwrap(await alice.api.invoke('contacts:show', { email: bob.email }));
    expect(detail.contact.status).toBe('key-changed');
    expect(detail.keyChange?.newFingerprint).toBe(rotated.fingerprint);
    const verified = unwrap(
      await alice.api.invoke('contacts:verify', {
        email: bob.email,
        safetyNumber: detail.keyChange?.safetyNumber.digits ?? '',
      }),
    );
    expect(verified).toMatchObject({ status: 'verified', fingerprint: rotated.fingerprint });
    const sent = nextEvent(alice, 'transfer:progress', (p) => p.state === 'completed');
    unwrap(await alice.api.invoke('transfers:send', { paths: [source], recipients: [bob.email] }));
    expect((await sent).state).toBe('completed');
  });
});
