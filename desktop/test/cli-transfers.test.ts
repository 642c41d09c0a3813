import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fingerprint, generateIdentity, signKeyPublication } from '@datacrypt/shared-crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BIN, listTree, patternBytes, workspace } from './helpers/cli.js';
import { until } from './helpers/poll.js';
import { cliUser, expectFailure, signUpViaCli, type CliUser } from './helpers/cli-users.js';
import { startProxy, startRelay, type TestProxy, type TestRelay } from './helpers/relay.js';

// Every step spawns the real CLI (node start-up, keychain probe): slow on a busy machine.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

/**
 * Transfers through the `datacrypt` CLI: a real relay on a port (Alice reaches it through a proxy
 * that can swap keys in the directory, like a malicious relay), the real OS keychain, profiles in
 * a temp folder.
 */

interface SendJson {
  id: string;
  relayTransferId: string;
  recipients: string[];
  totalBytes: number;
  partCount: number;
  partsUploaded: number;
  partsSkipped: number;
  expiresAt: number;
}

interface ReceiveJson {
  id: string;
  relayTransferId: string;
  outputs: string[];
  encryptedCopy: string | null;
  sender: string;
  senderStatus: string;
  senderFingerprint: string;
  senderPinnedNow: boolean;
  totalBytes: number;
  bytesFetched: number;
  receiptSent: boolean;
}

interface SummaryJson {
  relayTransferId: string;
  direction: string;
  sender: string;
  recipients: string[];
  size: number;
  status: string;
  createdAt: number;
  expiresAt: number;
  maxDownloads: number | null;
  downloads: number;
  receipts: { recipient: string; createdAt: number; verified: boolean }[];
  senderStatus?: string;
  local: { id: string; state: string; progressBytes: number; outputs: string[] } | null;
}

let dir: string;
let cleanup: () => Promise<void>;
let relay: TestRelay;
let relayOpen = true;
let proxy: TestProxy;
let alice: CliUser;
let bob: CliUser;
let carol: CliUser;
let sentId = '';
let bobCopy = '';

const FILES: Record<string, Buffer> = {
  'report.bin': patternBytes(3 * 1024 * 1024 + 17, 7),
  'notes.txt': Buffer.from('meeting notes\n'.repeat(100)),
  'docs/a.txt': Buffer.from('alpha\n'),
  'docs/deep/b.bin': patternBytes(70_000, 9),
  'docs/empty.txt': Buffer.alloc(0),
};

async function expectSameFiles(root: string): Promise<void> {
  for (const [name, bytes] of Object.entries(FILES)) {
    expect((await readFile(join(root, name))).equals(bytes), name).toBe(true);
  }
}

beforeAll(async () => {
  ({ dir, cleanup } = await workspace());
  relay = await startRelay();
  proxy = await startProxy(relay.url);
  const tag = Date.now().toString(36);
  alice = await cliUser(dir, 'alice', `alice-${tag}@example.com`);
  bob = await cliUser(dir, 'bob', `bob-${tag}@example.com`);
  carol = await cliUser(dir, 'carol', `carol-${tag}@example.com`);
  await signUpViaCli(alice, relay, proxy.url, dir);
  await signUpViaCli(bob, relay, relay.url, dir);
  await signUpViaCli(carol, relay, relay.url, dir);
  await mkdir(join(dir, 'docs', 'deep'), { recursive: true });
  for (const [name, bytes] of Object.entries(FILES)) await writeFile(join(dir, name), bytes);
  await alice.json(['contacts', 'add', bob.email]);
  await bob.json(['contacts', 'add', alice.email]);
});

afterAll(async () => {
  await proxy.close();
  if (relayOpen) await relay.close();
  await cleanup();
});

describe('datacrypt send / receive', () => {
  it('sends files and a folder to two users; both receive identical bytes', async () => {
    const sent = await alice.json<SendJson>([
      'send',
      'report.bin',
      'notes.txt',
      'docs',
      '--to',
      bob.email,
      '--to',
      carol.email,
      '--expiry-days',
      '3',
    ]);
    expect(sent).toEqual({
      id: expect.any(String) as string,
      relayTransferId: expect.any(String) as string,
      recipients: [bob.email, carol.email],
      totalBytes: expect.any(Number) as number,
      partCount: expect.any(Number) as number,
      partsUploaded: expect.any(Number) as number,
      partsSkipped: 0,
      expiresAt: expect.any(Number) as number,
    });
    sentId = sent.relayTransferId;
    // Carol was not a contact: sending pinned her key first.
    const contacts = await alice.json<{ contacts: { email: string }[] }>(['contacts', 'list']);
    expect(contacts.contacts.map((c) => c.email)).toContain(carol.email);

    const inbox = await bob.json<{ transfers: SummaryJson[] }>(['inbox']);
    expect(inbox.transfers.map((t) => t.relayTransferId)).toEqual([sentId]);
    expect(inbox.transfers[0]).toMatchObject({
      direction: 'receive',
      sender: alice.email,
      senderStatus: 'unverified',
      status: 'ready',
      local: null,
    });

    const outB = join(dir, 'out-bob');
    const got = await bob.json<{ received: ReceiveJson[]; failed: unknown[] }>([
      'receive',
      '--all',
      '-o',
      outB,
      '--keep-encrypted',
    ]);
    expect(got.failed).toEqual([]);
    expect(got.received).toHaveLength(1);
    const received = got.received.at(0);
    expect(received).toMatchObject({
      relayTransferId: sentId,
      sender: alice.email,
      senderStatus: 'unverified',
      senderPinnedNow: false,
      receiptSent: true,
    });
    expect(received?.encryptedCopy).not.toBeNull();
    bobCopy = received?.encryptedCopy ?? '';
    expect(existsSync(bobCopy)).toBe(true);
    await expectSameFiles(outB);

    // Nothing left to receive; receiving it again by id is refused.
    const again = await bob.json<{ received: unknown[] }>(['receive', '--all', '-o', outB]);
    expect(again.received).toEqual([]);
    expectFailure(await bob.dc(['receive', sentId, '-o', outB]), 'E_TRANSFER_STATE');

    // Carol has no contacts: Alice's key is pinned on first use by the receive.
    const outC = join(dir, 'out-carol');
    const carolGot = await carol.json<{ received: ReceiveJson[] }>(['receive', sentId, '-o', outC]);
    expect(carolGot.received[0]).toMatchObject({ senderPinnedNow: true, encryptedCopy: null });
    await expectSameFiles(outC);
    expect((await listTree(outC)).some((p) => p.endsWith('.dcrypt'))).toBe(false);
  });

  it('the sender sees verified receipts in the sent listing', async () => {
    const list = await alice.json<{ transfers: SummaryJson[] }>(['sent']);
    const t = list.transfers.find((x) => x.relayTransferId === sentId);
    expect(t).toEqual({
      relayTransferId: sentId,
      direction: 'send',
      sender: alice.email,
      recipients: [bob.email, carol.email],
      size: expect.any(Number) as number,
      status: 'ready',
      createdAt: expect.any(Number) as number,
      expiresAt: expect.any(Number) as number,
      maxDownloads: null,
      downloads: 2,
      receipts: expect.any(Array) as unknown[],
      local: {
        id: expect.any(String) as string,
        state: 'completed',
        progressBytes: expect.any(Number) as number,
        outputs: [],
      },
    });
    expect(t?.receipts.map((r) => [r.recipient, r.verified]).sort()).toEqual([
      [bob.email, true],
      [carol.email, true],
    ]);
    const human = await alice.dc(['sent']);
    expect(human.stdout.toString('utf8')).toContain(`${bob.email} (verified)`);
  });

  it('refuses bad send arguments with usage errors', async () => {
    for (const args of [
      ['send', 'notes.txt'],
      ['send', '--to', bob.email],
      ['send', 'notes.txt', '--to', bob.email, '--expiry-days', '0'],
      ['send', 'notes.txt', '--to', bob.email, '--download-limit', 'x'],
      ['receive', '-o', 'x'],
      ['receive', 'abc', '--all'],
    ]) {
      const result = await alice.dc(args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(/^datacrypt: E_USAGE: /u);
    }
    expectFailure(await alice.dc(['send', 'missing.txt', '--to', bob.email]), 'E_IO');
  });
});

describe('a relay that swaps keys', () => {
  it('blocks sending with E_KEY_CHANGED and both fingerprints until the user accepts or re-verifies', async () => {
    const bobKey = (await bob.json<{ fingerprint: string }>(['keys', 'show'])).fingerprint;
    const mallory = generateIdentity();
    const malloryFp = fingerprint(mallory.publicIdentity);
    proxy.rewrites.set(bob.email, (entry) => {
      const current = {
        publication: signKeyPublication(mallory, bob.email, Date.now()),
        fingerprint: malloryFp,
        publishedAt: Date.now(),
      };
      return { ...entry, current, history: [...entry.history, current] };
    });

    const blocked = await alice.dc(['send', 'notes.txt', '--to', bob.email]);
    const line = expectFailure(blocked, 'E_KEY_CHANGED');
    expect(line).toContain(bobKey);
    expect(line).toContain(malloryFp);
    expect(blocked.stdout.length).toBe(0);
    // Still blocked on a second try: the warning stays until the user decides.
    expectFailure(await alice.dc(['send', 'notes.txt', '--to', bob.email]), 'E_KEY_CHANGED');
    const detail = await alice.json<{
      keyChange: { oldFingerprint: string; newFingerprint: string } | null;
    }>(['contacts', 'show', bob.email]);
    expect(detail.keyChange).toMatchObject({ oldFingerprint: bobKey, newFingerprint: malloryFp });

    // Accepting pins the swapped key (the user's choice); sending works again.
    await alice.json(['contacts', 'accept', bob.email]);
    const toMallory = await alice.json<SendJson>(['send', 'notes.txt', '--to', bob.email]);
    // Bob cannot open that one (it is for mallory's key); Alice revokes it.
    await alice.json(['revoke', toMallory.relayTransferId]);

    // The relay serves the real key again: a key change once more, settled by comparing the
    // safety number with Bob (read out from his side).
    proxy.rewrites.delete(bob.email);
    const list = await alice.json<{ contacts: { email: string; status: string }[] }>([
      'contacts',
      'list',
      '--refresh',
    ]);
    expect(list.contacts.find((c) => c.email === bob.email)?.status).toBe('key-changed');
    const fromBob = await bob.json<{ safetyNumber: { digits: string } }>([
      'contacts',
      'show',
      alice.email,
    ]);
    const verified = await alice.json<{ status: string; fingerprint: string }>([
      'contacts',
      'verify',
      bob.email,
      '--safety-number',
      fromBob.safetyNumber.digits,
    ]);
    expect(verified).toMatchObject({ status: 'verified', fingerprint: bobKey });

    const sent = await alice.json<SendJson>(['send', 'docs', '--to', bob.email]);
    const outB = join(dir, 'out-bob-2');
    const got = await bob.json<{ received: ReceiveJson[]; failed: unknown[] }>([
      'receive',
      '--all',
      '-o',
      outB,
    ]);
    expect(got.failed).toEqual([]);
    expect(got.received.map((r) => r.relayTransferId)).toEqual([sent.relayTransferId]);
    expect(
      (await readFile(join(outB, 'docs', 'deep', 'b.bin'))).equals(
        FILES['docs/deep/b.bin'] ?? Buffer.alloc(1),
      ),
    ).toBe(true);
  });
});

/** Starts `datacrypt watch` for a user; stdout/stderr are collected as they come. */
function startWatch(user: CliUser, outDir: string) {
  const child = spawn(
    process.execPath,
    [BIN, 'watch', '-o', outDir, '--json', '--profile', user.profile],
    {
      cwd: dir,
      env: { ...process.env, TMPDIR: join(dir, 'tmp') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('datacrypt watch', () => {
  it('receives a transfer live as it arrives, and stops on SIGINT with status 0', async () => {
    const outW = join(dir, 'out-watch');
    const watch = startWatch(carol, outW);
    try {
      await until(
        () => watch.err().includes('Watching for transfers') || undefined,
        60_000,
        'the watch to connect',
      );
      const sent = await alice.json<SendJson>(['send', 'report.bin', '--to', carol.email]);
      await until(
        () => watch.out().includes(sent.relayTransferId) || undefined,
        60_000,
        'the live receive',
      );
      const events = watch
        .out()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string; relayTransferId: string });
      expect(events).toEqual([
        expect.objectContaining({ event: 'received', relayTransferId: sent.relayTransferId }),
      ]);
      expect(
        (await readFile(join(outW, 'report.bin'))).equals(FILES['report.bin'] ?? Buffer.alloc(1)),
      ).toBe(true);
      watch.child.kill('SIGINT');
      expect(await watch.exited).toBe(0);
    } finally {
      watch.child.kill('SIGKILL');
    }
  });
});

describe('offline decrypt of a kept .dcrypt copy', () => {
  it('decrypts with the relay stopped, with the profile keys', async () => {
    await relay.close();
    relayOpen = false;
    const out = join(dir, 'offline');
    const result = await bob.json<{
      outputs: string[];
      senderFingerprint: string;
      senderStatus: string;
      senderEmail: string | null;
    }>(['decrypt', bobCopy, '-o', `${out}/`]);
    expect(result.senderEmail).toBe(alice.email);
    expect(result.senderStatus).toBe('unverified');
    await expectSameFiles(out);
    // The relay is really gone.
    expectFailure(await bob.dc(['inbox']), 'E_NETWORK');
  });
});
