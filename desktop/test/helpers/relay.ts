import type { IncomingHttpHeaders } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  build,
  loadConfig,
  type App,
  type Mailer,
  type MailMessage,
} from '@datacrypt/relay-server';
import type { PublicKeyResponse } from '@datacrypt/relay-server/contract';
import { generateIdentity, seededRandom, type SecretIdentity } from '@datacrypt/shared-crypto';
import {
  LocalDb,
  PassphraseFileKeyStore,
  RelayClient,
  type Account,
  type KeyStore,
} from '../../src/core/index.js';
import { listenLoopback } from './http-proxy.js';
import { steppingClock } from './localdb.js';

/** Keeps mails in memory so tests can read the verification codes the relay sends. */
export class RecordingMailer implements Mailer {
  readonly sent: MailMessage[] = [];

  send(message: MailMessage): Promise<void> {
    this.sent.push(message);
    return Promise.resolve();
  }

  /** The newest verification code mailed to `address`. */
  lastCode(address: string): string {
    for (const mail of [...this.sent].reverse()) {
      const match = /verification code: (\d{6})/u.exec(mail.subject);
      if (mail.to === address && match?.[1] !== undefined) return match[1];
    }
    throw new Error(`no verification code mailed to ${address}`);
  }

  describe(): string {
    return 'memory';
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export interface TestRelay {
  app: App;
  url: string;
  mailer: RecordingMailer;
  close(): Promise<void>;
}

/**
 * A real relay (`build` + `listen` on 127.0.0.1:0) with a fresh data dir (removed by close()),
 * on the system clock unless `now` is given.
 */
export async function startRelay(
  env: Record<string, string> = {},
  options: { now?: () => number } = {},
): Promise<TestRelay & { dataDir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'desktop-relay-'));
  const config = loadConfig({
    DATACRYPT_DATA_DIR: dir,
    DATACRYPT_LOG_LEVEL: 'silent',
    DATACRYPT_AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    ...env,
  });
  const mailer = new RecordingMailer();
  const app = await build(
    config,
    options.now === undefined ? { mailer } : { mailer, now: options.now },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    mailer,
    dataDir: dir,
    async close() {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Rewrites the directory's answer for one email (the entry as the relay sent it). */
export type DirectoryRewrite = (entry: PublicKeyResponse) => PublicKeyResponse;

export interface TestProxy {
  url: string;
  /** Directory rewrites by lower-case email; none: forward unchanged. */
  rewrites: Map<string, DirectoryRewrite>;
  close(): Promise<void>;
}

const HOP_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding']);

function forwardHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string' && !HOP_HEADERS.has(name)) out[name] = value;
  }
  return out;
}

const PUBLIC_KEY_PATH = /^\/api\/users\/public-key\/([^/?]+)$/u;

/**
 * A malicious-relay stand-in: an HTTP proxy that forwards everything to the real relay but
 * rewrites `GET /api/users/public-key/:email` answers for the emails in `rewrites`.
 */
export async function startProxy(target: string): Promise<TestProxy> {
  const rewrites = new Map<string, DirectoryRewrite>();
  const server = await listenLoopback((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const method = req.method ?? 'GET';
      const upstream = await fetch(target + (req.url ?? '/'), {
        method,
        headers: forwardHeaders(req.headers),
        body: chunks.length > 0 ? Buffer.concat(chunks) : null,
      });
      let body = Buffer.from(await upstream.arrayBuffer());
      const match = PUBLIC_KEY_PATH.exec(req.url ?? '');
      const rewrite =
        match?.[1] === undefined
          ? undefined
          : rewrites.get(decodeURIComponent(match[1]).toLowerCase());
      if (method === 'GET' && upstream.status === 200 && rewrite !== undefined) {
        body = Buffer.from(
          JSON.stringify(rewrite(JSON.parse(body.toString('utf8')) as PublicKeyResponse)),
        );
      }
      const headers: Record<string, string> = {};
      upstream.headers.forEach((value, name) => {
        if (!HOP_HEADERS.has(name) && name !== 'content-encoding') headers[name] = value;
      });
      res.writeHead(upstream.status, headers).end(body);
    })().catch(() => {
      res.writeHead(502).end();
    });
  });
  return { url: server.url, rewrites, close: () => server.close() };
}

export const PASSWORD = 'correct horse battery staple';

/** A seeded identity (deterministic across runs). */
export function seeded(seed: string): SecretIdentity {
  return generateIdentity(seededRandom(`desktop-relay-tests/${seed}`));
}

export interface Profile {
  email: string;
  dir: string;
  identity: SecretIdentity;
  keyStore: KeyStore;
  db: LocalDb;
  client: RelayClient;
  account: Account;
  close(): Promise<void>;
}

/**
 * One user's profile in a temp dir: file-backed KeyStore (low scrypt cost), own LocalDb, a
 * RelayClient on `relayUrl` and a seeded identity stored as current.
 */
export async function makeProfile(email: string, relayUrl: string, seed = email): Promise<Profile> {
  const dir = await mkdtemp(join(tmpdir(), 'desktop-profile-'));
  const keyStore = new PassphraseFileKeyStore({
    profileDir: dir,
    passphrase: 'profile passphrase',
    scryptLog2N: 10,
  });
  const identity = seeded(seed);
  await keyStore.setCurrent({ relayUrl, email }, identity);
  const db = LocalDb.open(join(dir, 'datacrypt.db'), { now: steppingClock() });
  const account = db.accounts.upsert({ relayUrl, email });
  const client = new RelayClient({ relayUrl, keyStore });
  return {
    email,
    dir,
    identity,
    keyStore,
    db,
    client,
    account,
    async close() {
      db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Registers, verifies (code from the relay's mail), logs in and publishes the profile's key. */
export async function signUp(profile: Profile, relay: TestRelay): Promise<void> {
  await profile.client.register(profile.email, PASSWORD);
  await profile.client.verifyOtp(profile.email, relay.mailer.lastCode(profile.email));
  await profile.client.login(profile.email, PASSWORD);
  await profile.client.publishKey(profile.identity, { createdAt: Date.now() - 60_000 });
}
