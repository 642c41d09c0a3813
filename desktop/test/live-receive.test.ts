import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InboxWatcher,
  TransfersClient,
  watchAndReceive,
  type ReceiveResult,
} from '../src/core/index.js';
import {
  makeUser,
  startTransferRelay,
  until,
  workDir,
  type TransferRelay,
  type User,
} from './helpers/transfer-fixture.js';
import { startStallProxy, type StallProxy } from './helpers/stall-proxy.js';

/*
 * Watch mode on a relay that serves uploads live: the receive starts at `transfer:incoming` and
 * runs while the sender is still uploading. A sender that pauses longer than the relay waits cuts
 * the download; the receive then continues from its staged plaintext at `transfer:new`.
 */

const watchers: InboxWatcher[] = [];
let work: string;

beforeAll(async () => {
  work = await workDir();
});

afterAll(async () => {
  for (const w of watchers) await w.stop();
});

/** A sender whose part uploads go through `proxy` (so they can be held) and a receiver. */
async function pair(relay: TransferRelay, proxy: StallProxy, tag: string): Promise<[User, User]> {
  const a = await makeUser(`a-${tag}@example.com`, relay, { relayUrl: proxy.url });
  const b = await makeUser(`b-${tag}@example.com`, relay);
  await a.contacts.addContact(b.email);
  await b.contacts.addContact(a.email);
  return [a, b];
}

function watch(b: User, outDir: string) {
  const w = new InboxWatcher({ relay: b.client, db: b.db, accountId: b.account.id });
  watchers.push(w);
  const started: string[] = [];
  const received: ReceiveResult[] = [];
  const errors: { id: string; code: unknown }[] = [];
  const stop = watchAndReceive(
    b.engine,
    w,
    { outDir },
    {
      onStart: (id) => started.push(id),
      onReceived: (r) => received.push(r),
      onError: (id, e) => errors.push({ id, code: (e as { code?: unknown }).code }),
    },
  );
  return { w, started, received, errors, stop };
}

const PART = 64 * 1024;

/**
 * Parts that reach the relay before the upload is caught: 2.5 MiB, so the receiver (which
 * decrypts 1 MiB batches, one in flight while it reads the next) has staged plaintext by then.
 */
const CAUGHT_AFTER = 40;

/**
 * Sends `bytes` with the parts after CAUGHT_AFTER held by the proxy: the first 2.5 MiB reach the
 * relay and the upload is caught there until `release()`.
 */
async function sendCaught(a: User, to: string, proxy: StallProxy, name: string, bytes: Buffer) {
  proxy.stallFromPart = CAUGHT_AFTER + 1;
  const path = join(work, name);
  await writeFile(path, bytes);
  const handle = await a.engine.send([path], [to]);
  await until(() =>
    proxy.forwardedParts.filter((n) => n <= CAUGHT_AFTER).length === CAUGHT_AFTER
      ? true
      : undefined,
  );
  await until(() => (proxy.held() > 0 ? true : undefined));
  return {
    handle,
    release: () => {
      proxy.stallFromPart = null;
      proxy.dropHeld(); // the sender retries those parts
    },
  };
}

async function closeAll(users: User[]) {
  for (const u of users) {
    await u.engine.close();
    await u.close();
  }
}

/** A relay (started with `env`) and a stall proxy in front of it, for one describe block. */
function relayWithProxy(env: Record<string, string> = {}): {
  relay: TransferRelay;
  proxy: StallProxy;
} {
  const ctx = {} as { relay: TransferRelay; proxy: StallProxy };
  beforeAll(async () => {
    ctx.relay = await startTransferRelay(env);
    ctx.proxy = await startStallProxy(ctx.relay.url);
  });
  afterAll(async () => {
    await ctx.proxy.close();
    await ctx.relay.close();
  });
  return ctx;
}

/** Runs `body` with a sender and a receiver watching into `<work>/<tag>-out`, then cleans up. */
async function withWatchedPair(
  ctx: { relay: TransferRelay; proxy: StallProxy },
  tag: string,
  body: (p: { a: User; b: User; out: string; watching: ReturnType<typeof watch> }) => Promise<void>,
): Promise<void> {
  const [a, b] = await pair(ctx.relay, ctx.proxy, tag);
  const out = join(work, `${tag}-out`);
  const watching = watch(b, out);
  try {
    await watching.w.start();
    await body({ a, b, out, watching });
  } finally {
    watching.stop();
    await closeAll([a, b]);
  }
}

describe('live receive (watch mode)', () => {
  const ctx = relayWithProxy();

  it('receives while the sender is still uploading, and the bytes are identical', async () => {
    await withWatchedPair(ctx, 'live', async ({ a, b, out, watching }) => {
      const data = randomBytes(64 * PART + 123);
      const send = await sendCaught(a, b.email, ctx.proxy, 'live.bin', data);
      const relayId = await until(() => watching.started[0]);
      // The upload is caught part-way: the receiver already has the first parts decrypted and
      // staged while the relay still lists the transfer as uploading.
      const local = await until(() => b.engine.findLocal(relayId, 'receive') ?? undefined);
      await until(() =>
        (b.engine.handle(local.id)?.progress().bytesDone ?? 0) >= CAUGHT_AFTER * PART
          ? true
          : undefined,
      );
      expect((await new TransfersClient(a.client).get(relayId)).status).toBe('uploading');
      send.release();
      const sent = await send.handle.done;
      expect(sent.relayTransferId).toBe(relayId);
      const result = await until(() =>
        watching.received.find((r) => r.relayTransferId === relayId),
      );
      expect((await readFile(join(out, 'live.bin'))).equals(data)).toBe(true);
      expect(result.bytesFetched).toBe(result.totalBytes);
      expect(result.receiptSent).toBe(true);
      expect(watching.errors).toEqual([]);
      // `transfer:new` at finalize did not start it again.
      expect(watching.started).toEqual([relayId]);
    });
  });
});

describe('a sender that stalls longer than the relay waits', () => {
  const ctx = relayWithProxy({ DATACRYPT_LIVE_DOWNLOAD_WAIT_SECONDS: '1' });

  it('cuts the live receive, which continues from its staged plaintext at finalize', async () => {
    await withWatchedPair(ctx, 'stall', async ({ a, b, out, watching }) => {
      const data = randomBytes(64 * PART + 77);
      const send = await sendCaught(a, b.email, ctx.proxy, 'stall.bin', data);
      const relayId = await until(() => watching.started[0]);
      // The relay gives up on the next part after a second and cuts the download: E_NETWORK.
      const cut = await until(() => watching.errors.find((e) => e.id === relayId));
      expect(cut.code).toBe('E_NETWORK');
      expect(watching.received).toEqual([]);
      send.release();
      await send.handle.done;
      const result = await until(() =>
        watching.received.find((r) => r.relayTransferId === relayId),
      );
      expect((await readFile(join(out, 'stall.bin'))).equals(data)).toBe(true);
      // The 1 MiB batch the cut receive had verified and staged was not fetched again.
      expect(result.bytesFetched).toBeLessThanOrEqual(result.totalBytes - 16 * PART);
      expect(watching.started).toEqual([relayId, relayId]);
    });
  });
});
