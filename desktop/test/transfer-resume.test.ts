import { existsSync } from 'node:fs';
import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
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
const MiB = 1024 * 1024;

/** The one element of a list (fails otherwise). */
function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  const [item] = items;
  if (item === undefined) throw new Error('empty list');
  return item;
}
/**
 * User B's engine in a child process receiving `relayTransferId` through a proxy that stalls the
 * download after `stallAfter` bytes (the child is then killed by the test).
 */
async function startStalledReceiver(
  relayTransferId: string,
  outDir: string,
  stallAfter: number,
  keepEncryptedCopy = false,
) {
  const stall = await startDownloadStallProxy(relay.url, stallAfter);
  const child = await startEngineChild({
    profileDir: b.dir,
    relayUrl: relay.url,
    clientUrl: stall.url,
    email: b.email,
    password: PASSWORD,
    mode: 'receive',
    relayTransferId,
    outDir,
    keepEncryptedCopy,
    partSize: PART,
    uploadConcurrency: 1,
  });
  const ready = await child.firstLine;
  expect(ready).toMatchObject({ ready: true });
  const stop = async () => {
    await child.kill();
    await stall.close();
  };
  return { stall, stop, staging: join(outDir, `.datacrypt-receiving-${String(ready.id)}`) };
}

/**
 * Waits until the staged plaintext of `name` holds more than one decryption batch (1 MiB, less
 * the manifest), and returns its path. The stalled download lets no more than two batches through
 * and the child runs a pool of one worker (two batches in flight), so at least the first is there.
 */
function stagedPlaintext(staging: string, name: string): Promise<string> {
  return until(async () => {
    const partial = (await readdir(join(staging, 'out')).catch(() => [])).at(0);
    const path = partial === undefined ? '' : join(staging, 'out', partial, name);
    const size = (await stat(path).catch(() => null))?.size ?? 0;
    return size > MiB - 4096 ? path : undefined;
  });
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
    await randomFile(input, 80 * PART + 1234);

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

    // The receiver is killed part-way through the download, then resumes from the plaintext it
    // verified and staged (it keeps no ciphertext).
    const out = join(work, 'out');
    const receiver = await startStalledReceiver(relayId, out, 40 * PART);
    const { staging } = receiver;
    const staged = await stagedPlaintext(staging, 'big.bin');
    expect(receiver.stall.stalledAfter).toBe(40 * PART);
    await receiver.stop();
    const { size: kept, ino: stagedInode } = await stat(staged);
    expect(kept).toBeLessThanOrEqual(2 * MiB);
    const partFile = join(b.dir, 'downloads', `${relayId}.dcrypt.part`);
    expect(existsSync(partFile)).toBe(false);

    const bEngine = b.newEngine();
    const rh = only(await bEngine.resumePending()) as TransferHandle<ReceiveResult>;
    expect(rh.direction).toBe('receive');
    const received = await rh.done;
    // Only the chunks after the staged plaintext (whole 64 KiB chunks) were fetched again.
    expect(received.bytesFetched).toBeLessThan(sent.totalBytes - kept + 65_536);
    expect(received.bytesFetched).toBeGreaterThan(sent.totalBytes - kept - 65_536);
    expect((await readFile(join(out, 'big.bin'))).equals(await readFile(input))).toBe(true);
    // The resumed run continued in the staged file itself (no copy of what was kept).
    expect((await stat(join(out, 'big.bin'))).ino).toBe(stagedInode);
    expect(received.receiptSent).toBe(true);
    expect(existsSync(staging)).toBe(false);
    expect(await readdir(out)).toEqual(['big.bin']);
    await bEngine.close();
    const receipts = await a.engine.verifyReceipts(relayId);
    expect(receipts).toEqual([expect.objectContaining({ recipient: b.email, verified: true })]);
  });

  it('starts a receive over from the relay when the staged plaintext was changed on disk', async () => {
    const input = join(work, 'changed.bin');
    await randomFile(input, 60 * PART + 99);
    const sent = await (await a.engine.send([input], [b.email])).done;
    const out = join(work, 'out-changed');
    const receiver = await startStalledReceiver(sent.relayTransferId, out, 40 * PART);
    const staged = await stagedPlaintext(receiver.staging, 'changed.bin');
    await receiver.stop();
    // One bit of the kept plaintext flips on disk: the resumed signature check catches it.
    const bytes = await readFile(staged);
    bytes.writeUInt8(bytes.readUInt8(123_456) ^ 0x01, 123_456);
    await writeFile(staged, bytes);

    const bEngine = b.newEngine();
    const rh = only(await bEngine.resumePending()) as TransferHandle<ReceiveResult>;
    const received = await rh.done;
    expect(received.bytesFetched).toBe(sent.totalBytes);
    expect((await readFile(join(out, 'changed.bin'))).equals(await readFile(input))).toBe(true);
    expect(await readdir(out)).toEqual(['changed.bin']);
    await bEngine.close();
  });

  it('a receiver keeping an encrypted copy resumes from its ciphertext file', async () => {
    const input = join(work, 'copy.bin');
    await randomFile(input, 40 * PART + 1234);
    const sent = await (await a.engine.send([input], [b.email])).done;
    const out = join(work, 'out-copy');
    const receiver = await startStalledReceiver(sent.relayTransferId, out, 10 * PART, true);
    // The download stalls after 10 parts' worth; kill once all of it is on disk.
    const partFile = join(b.dir, 'downloads', `${sent.relayTransferId}.dcrypt.part`);
    await until(async () =>
      (await stat(partFile).catch(() => null))?.size === 10 * PART ? true : undefined,
    );
    expect(receiver.stall.stalledAfter).toBe(10 * PART);
    await receiver.stop();
    const onDisk = (await stat(partFile)).size;
    expect(onDisk).toBe(10 * PART);

    const bEngine = b.newEngine();
    const rh = only(await bEngine.resumePending()) as TransferHandle<ReceiveResult>;
    const received = await rh.done;
    expect(received.bytesFetched).toBe(sent.totalBytes - onDisk);
    expect((await readFile(join(out, 'copy.bin'))).equals(await readFile(input))).toBe(true);
    expect(received.encryptedCopy).toBe(join(out, 'copy.bin.dcrypt'));
    expect((await stat(join(out, 'copy.bin.dcrypt'))).size).toBe(sent.totalBytes);
    expect(existsSync(partFile)).toBe(false);
    await bEngine.close();
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
