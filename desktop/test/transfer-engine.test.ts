import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  encodePublicIdentity,
  fingerprint,
  isDataCryptError,
  signKeyPublication,
} from '@datacrypt/shared-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decryptToDisk,
  isCodedError,
  KeyChangedError,
  type TransferProgress,
} from '../src/core/index.js';
import { seeded, startProxy, type TestProxy } from './helpers/relay.js';
import {
  makeUser,
  randomFile,
  startTransferRelay,
  treeDigest,
  until,
  workDir,
  type TransferRelay,
  type User,
} from './helpers/transfer-fixture.js';

/*
 * The transfer engine end to end against a real relay on a port: users A (through a proxy the
 * key-swap test turns malicious), B and C in their own profiles; real files on disk; 64 KiB parts
 * so small files still have many parts.
 */

let relay: TransferRelay;
let proxy: TestProxy;
let a: User;
let b: User;
let c: User;
let work: string;
let relayStopped = false;
const B = 'b@example.com';
const C = 'c@example.com';

const code = (wanted: string) => (e: unknown) =>
  isCodedError(e, wanted) || isDataCryptError(e, wanted as 'E_SIGNATURE');

async function expectCode(promise: Promise<unknown>, wanted: string): Promise<unknown> {
  const error = await promise.then(
    () => new Error(`expected ${wanted}, got success`),
    (e: unknown) => e,
  );
  if (!code(wanted)(error)) throw error;
  return error;
}

beforeAll(async () => {
  relay = await startTransferRelay();
  proxy = await startProxy(relay.url);
  a = await makeUser('a@example.com', relay, { relayUrl: proxy.url });
  b = await makeUser(B, relay);
  c = await makeUser(C, relay);
  await a.contacts.addContact(B);
  await a.contacts.addContact(C);
  await b.contacts.addContact(a.email); // C meets A only through a transfer (trust on first use)
  work = await workDir();
});

afterAll(async () => {
  for (const u of [a, b, c]) {
    await u.engine.close();
    await u.close();
  }
  await proxy.close();
  if (!relayStopped) await relay.close();
});

/** A tree: two files and a folder with a nested file and an empty file. */
async function makeInputs(name: string): Promise<string[]> {
  const root = join(work, name);
  await mkdir(join(root, 'folder', 'deep'), { recursive: true });
  await randomFile(join(root, 'one.bin'), 300 * 1024 + 17);
  await writeFile(join(root, 'two.txt'), 'hello from A\n');
  await randomFile(join(root, 'folder', 'deep', 'three.bin'), 200 * 1024);
  await writeFile(join(root, 'folder', 'empty'), '');
  return [join(root, 'one.bin'), join(root, 'two.txt'), join(root, 'folder')];
}

describe('send and receive', () => {
  it('delivers files and a folder to two recipients byte for byte, with verified receipts', async () => {
    const inputs = await makeInputs('tree1');
    const send = await a.engine.send(inputs, [B, C], { expiryDays: 1 });
    const seen: TransferProgress[] = [];
    send.on('progress', (p) => seen.push(p));
    const sent = await send.done;
    expect(sent.recipients.sort()).toEqual([B, C]);
    expect(sent.partCount).toBeGreaterThan(5);
    expect(sent.partsUploaded).toBe(sent.partCount);
    expect(seen.at(-1)?.bytesDone).toBe(sent.totalBytes);
    expect(existsSync(join(a.dir, 'spool', `${send.id}.dcrypt`))).toBe(false);
    expect(a.db.transfers.get(send.id)?.state).toBe('completed');

    const expected = await treeDigest(join(work, 'tree1'));
    for (const user of [b, c]) {
      const inbox = await user.engine.inbox();
      expect(inbox.map((t) => t.relayTransferId)).toContain(sent.relayTransferId);
      const out = join(work, `out-${user.email}`);
      const got = await (await user.engine.receive(sent.relayTransferId, { outDir: out })).done;
      expect(got.outputs.map((p) => p.slice(out.length + 1)).sort()).toEqual([
        'folder',
        'one.bin',
        'two.txt',
      ]);
      expect(await treeDigest(out)).toEqual(expected);
      expect(got.receiptSent).toBe(true);
      expect(got.bytesFetched).toBe(sent.totalBytes);
      expect(got.senderFingerprint).toBe(fingerprint(a.identity.publicIdentity));
      // B had pinned A; C pinned A on first use.
      expect(got.senderPinnedNow).toBe(user === c);
      expect(got.senderStatus).toBe('unverified');
      expect(existsSync(join(user.dir, 'downloads', `${sent.relayTransferId}.dcrypt.part`))).toBe(
        false,
      );
      expect((await readdir(out)).filter((n) => n.startsWith('.'))).toEqual([]);
    }
    const receipts = await a.engine.verifyReceipts(sent.relayTransferId);
    expect(receipts.map((r) => [r.recipient, r.verified]).sort()).toEqual([
      [B, true],
      [C, true],
    ]);
    const listed = (await a.engine.sent()).find((t) => t.relayTransferId === sent.relayTransferId);
    expect(listed?.local?.state).toBe('completed');
    expect(listed?.receipts.every((r) => r.verified)).toBe(true);
    // Receiving twice is refused locally.
    await expectCode(b.engine.receive(sent.relayTransferId, { outDir: work }), 'E_TRANSFER_STATE');
  });

  it('refuses a tampered blob with E_CHUNK_AUTH and leaves no output', async () => {
    await randomFile(join(work, 'tamper.bin'), 400 * 1024);
    const sent = await (await a.engine.send([join(work, 'tamper.bin')], [B])).done;
    const part = relay.partFile(sent.relayTransferId, 3);
    const bytes = await readFile(part);
    bytes[1000] ^= 0x01;
    await writeFile(part, bytes);
    const out = join(work, 'out-tamper');
    await expectCode(
      (await b.engine.receive(sent.relayTransferId, { outDir: out })).done,
      'E_CHUNK_AUTH',
    );
    expect(existsSync(out) ? await readdir(out) : []).toEqual([]);
    expect(existsSync(join(b.dir, 'downloads', `${sent.relayTransferId}.dcrypt.part`))).toBe(false);
    const local = b.db.transfers.findByRelayId(b.account.id, 'receive', sent.relayTransferId);
    expect([local?.state, local?.errorCode]).toEqual(['failed', 'E_CHUNK_AUTH']);
  });

  it('gives clear errors for revoked, over-limit and expired transfers', async () => {
    await writeFile(join(work, 'small.txt'), 'small');
    const revoked = await (await a.engine.send([join(work, 'small.txt')], [B])).done;
    await a.engine.revoke(revoked.relayTransferId);
    await expectCode(
      (await b.engine.receive(revoked.relayTransferId, { outDir: join(work, 'o1') })).done,
      'E_TRANSFER_REVOKED',
    );

    const limited = await (
      await a.engine.send([join(work, 'small.txt')], [B, C], { downloadLimit: 1 })
    ).done;
    await (
      await b.engine.receive(limited.relayTransferId, { outDir: join(work, 'o2') })
    ).done;
    await expectCode(
      (await c.engine.receive(limited.relayTransferId, { outDir: join(work, 'o3') })).done,
      'E_DOWNLOAD_LIMIT',
    );

    const expiring = await (
      await a.engine.send([join(work, 'small.txt')], [B], { expiryDays: 1 })
    ).done;
    relay.advance(86_400_000 + 1000);
    try {
      await expectCode(
        (await b.engine.receive(expiring.relayTransferId, { outDir: join(work, 'o4') })).done,
        'E_TRANSFER_EXPIRED',
      );
    } finally {
      relay.advance(-(86_400_000 + 1000));
    }
    expect(existsSync(join(work, 'o4')) ? await readdir(join(work, 'o4')) : []).toEqual([]);
  });

  it('pauses, resumes and cancels a send', async () => {
    await randomFile(join(work, 'big.bin'), 3 * 1024 * 1024);
    const engine = a.newEngine({ uploadConcurrency: 1 });
    const h = await engine.send([join(work, 'big.bin')], [B]);
    const relayId = await until(() => h.progress().relayTransferId ?? undefined);
    await until(() => (h.progress().bytesDone > 0 ? true : undefined));
    h.pause();
    expect(h.progress().state).toBe('paused');
    // In-flight parts finish; then the count on the relay stays put while paused.
    const settled = await until(async () => {
      const first = (await a.engine.transfers.listParts(relayId)).parts.length;
      await new Promise((r) => setTimeout(r, 150));
      const second = (await a.engine.transfers.listParts(relayId)).parts.length;
      return first === second ? second : undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect((await a.engine.transfers.listParts(relayId)).parts.length).toBe(settled);
    expect(a.db.transfers.get(h.id)?.state).toBe('paused');
    h.resume();
    const done = await h.done;
    expect(done.partsUploaded).toBe(done.partCount);

    const h2 = await engine.send([join(work, 'big.bin')], [B]);
    const id2 = await until(() => h2.progress().relayTransferId ?? undefined);
    await h2.cancel();
    await expectCode(h2.done, 'E_CANCELLED');
    expect(a.db.transfers.get(h2.id)?.state).toBe('cancelled');
    expect(existsSync(join(a.dir, 'spool', `${h2.id}.dcrypt`))).toBe(false);
    await expectCode(a.engine.transfers.get(id2), 'E_REVOKED');
  });
});

describe('trust', () => {
  it('blocks sending when the relay swaps a key, naming both fingerprints', async () => {
    const mallory = seeded('mallory');
    proxy.rewrites.set(B, (entry) => {
      const publication = signKeyPublication(mallory, B, Date.now());
      const current = {
        publication,
        fingerprint: fingerprint(mallory.publicIdentity),
        publishedAt: Date.now(),
      };
      return { ...entry, current, history: [...entry.history, current] };
    });
    await writeFile(join(work, 'secret.txt'), 'for B only');
    const before = a.db.transfers.list({ accountId: a.account.id }).length;
    const error = await expectCode(a.engine.send([join(work, 'secret.txt')], [B]), 'E_KEY_CHANGED');
    expect(error).toBeInstanceOf(KeyChangedError);
    expect((error as KeyChangedError).oldFingerprint).toBe(fingerprint(b.identity.publicIdentity));
    expect((error as KeyChangedError).newFingerprint).toBe(fingerprint(mallory.publicIdentity));
    expect(a.db.transfers.list({ accountId: a.account.id }).length).toBe(before);
    proxy.rewrites.delete(B);
    // Comparing the pinned key's safety number again keeps it and rejects the swapped one.
    const { digits } = await a.contacts.safetyNumber(B);
    await a.contacts.markVerified(B, { safetyNumber: digits });
    expect(a.contacts.get(B)?.status).toBe('verified');
  });

  it('refuses a transfer not signed by the pinned sender key (E_SIGNATURE)', async () => {
    // B pins a wrong key for A (as if A's key had been swapped when B added A).
    const fake = seeded('fake-a');
    b.db.contacts.repin(
      b.contacts.get(a.email)?.id ?? -1,
      encodePublicIdentity(fake.publicIdentity),
    );
    await writeFile(join(work, 'signed.txt'), 'signed by the real A');
    const sent = await (await a.engine.send([join(work, 'signed.txt')], [B])).done;
    const out = join(work, 'out-signature');
    await expectCode(
      (await b.engine.receive(sent.relayTransferId, { outDir: out })).done,
      'E_SIGNATURE',
    );
    expect(existsSync(out) ? await readdir(out) : []).toEqual([]);
    b.db.contacts.repin(
      b.contacts.get(a.email)?.id ?? -1,
      encodePublicIdentity(a.identity.publicIdentity),
    );
  });
});

describe('encrypted copy', () => {
  it('keeps the .dcrypt copy, which decrypts with the relay stopped', async () => {
    await randomFile(join(work, 'keep.bin'), 150 * 1024);
    await c.contacts.addContact(B);
    // Sending to a non-contact is refused: keys come from pinned contacts only.
    await expectCode(c.engine.send([join(work, 'keep.bin')], ['nobody@example.com']), 'E_ARGUMENT');
    const sent = await (await c.engine.send([join(work, 'keep.bin')], [B])).done;
    const out = join(work, 'out-keep');
    const got = await (
      await b.engine.receive(sent.relayTransferId, { outDir: out, keepEncryptedCopy: true })
    ).done;
    expect(got.encryptedCopy).toBe(join(out, 'keep.bin.dcrypt'));
    expect(got.senderPinnedNow).toBe(true);
    await relay.close();
    relayStopped = true;
    const offline = join(work, 'offline');
    await mkdir(offline);
    const result = await decryptToDisk(got.encryptedCopy ?? '', join(offline, 'keep.bin'), {
      identity: b.identity,
      expectedSender: c.identity.publicIdentity,
    });
    expect(result.outputs).toEqual([join(offline, 'keep.bin')]);
    expect(await readFile(join(offline, 'keep.bin'))).toEqual(
      await readFile(join(work, 'keep.bin')),
    );
  });
});

describe('refused sends', () => {
  it('fails with the relay code and leaves no spool when the relay refuses (quota)', async () => {
    const small = await startTransferRelay({ DATACRYPT_QUOTA_BYTES: String(100 * 1024) });
    const x = await makeUser('x@example.com', small);
    const y = await makeUser('y@example.com', small);
    try {
      await x.contacts.addContact(y.email);
      await randomFile(join(work, 'too-big.bin'), 200 * 1024);
      const h = await x.engine.send([join(work, 'too-big.bin')], [y.email]);
      await expectCode(h.done, 'E_QUOTA_EXCEEDED');
      expect(x.db.transfers.get(h.id)).toMatchObject({
        state: 'failed',
        errorCode: 'E_QUOTA_EXCEEDED',
      });
      expect(existsSync(join(x.dir, 'spool', `${h.id}.dcrypt`))).toBe(false);
      expect((await x.engine.sent()).length).toBe(0);
    } finally {
      for (const u of [x, y]) {
        await u.engine.close();
        await u.close();
      }
      await small.close();
    }
  });
});
