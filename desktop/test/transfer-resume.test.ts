import { existsSync } from 'node:fs';
import { readFile, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReceiveResult, SendResult, TransferHandle } from '../src/core/index.js';
import { startEngineChild } from './helpers/child.js';
import { startDownloadStallProxy } from './helpers/download-stall-proxy.js';
import { PASSWORD } from './helpers/relay.js';
import {
  makeUser,
  randomFile,
  startTransferRelay,
  until,
  workDir,
  type TransferRelay,
  type User,
} from './helpers/transfer-fixture.js';

/*
 * Resume after the process is killed. A separate process (test/helpers/engine-child.ts) runs the
 * engine on a user's profile; it pauses part-way, reports, and is SIGKILLed. A new engine on the
 * same profile (as after a restart) then finishes the job; the relay's part list and the bytes
 * fetched show that only what was missing moved again.
 */

const PART = 64 * 1024;

/** The one element of a list (fails otherwise). */
function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  const [item] = items;
  if (item === undefined) throw new Error('empty list');
  return item;
}
let relay: TransferRelay;
let a: User;
let b: User;
let work: string;

beforeAll(async () => {
  relay = await startTransferRelay();
  a = await makeUser('a@example.com', relay);
  b = await makeUser('b@example.com', relay);
  await a.contacts.addContact(b.email);
  await b.contacts.addContact(a.email);
  work = await workDir();
});

afterAll(async () => {
  for (const u of [a, b]) {
    await u.engine.close();
    await u.close();
  }
  await relay.close();
});

describe('resume after a kill', () => {
  it('re-sends only the parts the relay lacks, then the receiver resumes the download', async () => {
    const input = join(work, 'big.bin');
    await randomFile(input, 40 * PART + 1234);

    const sender = await startEngineChild({
      profileDir: a.dir,
      relayUrl: relay.url,
      email: a.email,
      password: PASSWORD,
      mode: 'send',
      paths: [input],
      recipients: [b.email],
      partSize: PART,
      uploadConcurrency: 2,
      pauseAt: 6 * PART,
    });
    const ready = await sender.firstLine;
    expect(ready).toMatchObject({ ready: true });
    await sender.kill();
    const relayId = String(ready.relayTransferId);
    const localId = String(ready.id);

    const before = await a.engine.transfers.listParts(relayId);
    const stored = before.parts.length;
    expect(stored).toBeGreaterThanOrEqual(6);
    expect(stored).toBeLessThan(before.partCount);
    expect(a.db.transfers.get(localId)?.state).toBe('paused');

    const restarted = a.newEngine();
    const handle = only(await restarted.resumePending()) as TransferHandle<SendResult>;
    expect(handle.id).toBe(localId);
    // It was paused when killed, so it comes back paused.
    expect(handle.progress().state).toBe('paused');
    handle.resume();
    const sent = await handle.done;
    expect(sent.partsSkipped).toBe(stored);
    expect(sent.partsUploaded).toBe(before.partCount - stored);
    expect(existsSync(join(a.dir, 'spool', `${localId}.dcrypt`))).toBe(false);
    await restarted.close();

    // The receiver is killed part-way through the download, then resumes.
    const out = join(work, 'out');
    const stall = await startDownloadStallProxy(relay.url, 10 * PART);
    const receiver = await startEngineChild({
      profileDir: b.dir,
      relayUrl: relay.url,
      clientUrl: stall.url,
      email: b.email,
      password: PASSWORD,
      mode: 'receive',
      relayTransferId: relayId,
      outDir: out,
      partSize: PART,
      uploadConcurrency: 1,
    });
    expect(await receiver.firstLine).toMatchObject({ ready: true });
    // The download stalls after 10 parts' worth; kill once all of it is on disk.
    const partFile = join(b.dir, 'downloads', `${relayId}.dcrypt.part`);
    await until(async () =>
      (await stat(partFile).catch(() => null))?.size === 10 * PART ? true : undefined,
    );
    expect(stall.stalledAfter).toBe(10 * PART);
    await receiver.kill();
    await stall.close();
    const onDisk = (await stat(partFile)).size;
    expect(onDisk).toBe(10 * PART);

    const bEngine = b.newEngine();
    const rh = only(await bEngine.resumePending()) as TransferHandle<ReceiveResult>;
    expect(rh.direction).toBe('receive');
    const received = await rh.done;
    expect(received.bytesFetched).toBe(sent.totalBytes - onDisk);
    expect(received.bytesFetched).toBeLessThan(sent.totalBytes);
    expect((await readFile(join(out, 'big.bin'))).equals(await readFile(input))).toBe(true);
    expect(received.receiptSent).toBe(true);
    expect(existsSync(partFile)).toBe(false);
    await bEngine.close();
    const receipts = await a.engine.verifyReceipts(relayId);
    expect(receipts).toEqual([expect.objectContaining({ recipient: b.email, verified: true })]);
  });

  it('starts over cleanly when the spool was incomplete at the kill', async () => {
    const input = join(work, 'again.bin');
    await randomFile(input, 12 * PART);
    const engine = a.newEngine({ uploadConcurrency: 1 });
    const h = await engine.send([input], [b.email]);
    // Paused as soon as the relay transfer exists (synchronously, before any part can start).
    const first = await new Promise<string>((resolve) => {
      h.on('progress', (p) => {
        if (p.relayTransferId !== null) {
          h.pause();
          resolve(p.relayTransferId);
        }
      });
    });
    await engine.close(); // stops without discarding: state stays resumable
    expect(a.db.transfers.get(h.id)?.state).toBe('paused');
    // As if killed while encrypting: the spool is cut short and not marked complete.
    const resume = a.db.transfers.get(h.id)?.resumeData;
    if (
      resume === undefined ||
      resume === null ||
      typeof resume !== 'object' ||
      Array.isArray(resume)
    )
      throw new Error('no resume data');
    a.db.transfers.update(h.id, { resumeData: { ...resume, spooled: false } });
    const spool = join(a.dir, 'spool', `${h.id}.dcrypt`);
    if (existsSync(spool)) await truncate(spool, 1000);

    const restarted = a.newEngine();
    const again = only(await restarted.resumePending()) as TransferHandle<SendResult>;
    again.resume();
    const sent = await again.done;
    expect(sent.relayTransferId).not.toBe(first);
    expect(sent.partsSkipped).toBe(0);
    expect(sent.partsUploaded).toBe(sent.partCount);
    // The abandoned relay transfer was revoked.
    await expect(a.engine.transfers.get(first)).rejects.toMatchObject({ code: 'E_REVOKED' });
    const out = join(work, 'out-again');
    const got = await (await b.engine.receive(sent.relayTransferId, { outDir: out })).done;
    expect((await readFile(got.outputs[0] ?? '')).equals(await readFile(input))).toBe(true);
    await restarted.close();
  });
});
