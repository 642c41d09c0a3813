import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { until } from './helpers/poll.js';
import { BIN, patternBytes, workspace } from './helpers/cli.js';
import { cliUser, signUpViaCli, type CliUser } from './helpers/cli-users.js';
import { startRelay, type TestRelay } from './helpers/relay.js';
import { startStallProxy, type StallProxy } from './helpers/stall-proxy.js';
import { main } from '../src/cli/main.js';
import type { CliIo } from '../src/cli/io.js';
import { PassThrough, Writable } from 'node:stream';

// Every step spawns the real CLI (node start-up, keychain probe): slow on a busy machine.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

/**
 * `datacrypt send` killed mid-upload (SIGKILL, caught at a known part by a proxy that holds
 * later parts), then `datacrypt resume`: only the missing parts are uploaded and the recipient
 * gets identical bytes.
 */

let dir: string;
let cleanup: () => Promise<void>;
let relay: TestRelay;
let proxy: StallProxy;
let alice: CliUser;
let bob: CliUser;

beforeAll(async () => {
  ({ dir, cleanup } = await workspace());
  relay = await startRelay();
  proxy = await startStallProxy(relay.url);
  const tag = Date.now().toString(36);
  alice = await cliUser(dir, 'alice', `alice-${tag}@example.com`);
  bob = await cliUser(dir, 'bob', `bob-${tag}@example.com`);
  await signUpViaCli(alice, relay, proxy.url, dir);
  await signUpViaCli(bob, relay, relay.url, dir);
  await alice.json(['contacts', 'add', bob.email]);
});

afterAll(async () => {
  await proxy.close();
  await relay.close();
  await cleanup();
});

describe('datacrypt resume', () => {
  it('continues a send killed mid-upload, re-sending only the missing parts', async () => {
    // 40 MiB: three 16 MiB parts. Part 1 goes through, parts 2 and 3 are held.
    const big = patternBytes(40 * 1024 * 1024 + 123, 42);
    await writeFile(join(dir, 'big.bin'), big);
    proxy.stallFromPart = 2;
    const child = spawn(
      process.execPath,
      [BIN, 'send', 'big.bin', '--to', bob.email, '--json', '--profile', alice.profile],
      { cwd: dir, env: { ...process.env, TMPDIR: join(dir, 'tmp') }, stdio: 'ignore' },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) => {
      child.on('close', (_code, signal) => {
        resolve(signal);
      });
    });
    try {
      await until(
        () => proxy.forwardedParts.includes(1) || undefined,
        120_000,
        'part 1 to reach the relay',
      );
      await until(() => proxy.held() >= 2 || undefined, 120_000, 'parts 2 and 3 to be held');
    } finally {
      child.kill('SIGKILL');
    }
    expect(await exited).toBe('SIGKILL');
    proxy.dropHeld();
    proxy.stallFromPart = null;
    expect((await bob.json<{ transfers: unknown[] }>(['inbox'])).transfers).toEqual([]);

    const resumed = await alice.json<{
      resumed: {
        relayTransferId: string;
        partsSkipped: number;
        partsUploaded: number;
        partCount: number;
      }[];
      failed: unknown[];
    }>(['resume']);
    expect(resumed.failed).toEqual([]);
    expect(resumed.resumed).toHaveLength(1);
    const result = resumed.resumed.at(0);
    expect(result).toMatchObject({ partCount: 3, partsSkipped: 1, partsUploaded: 2 });
    expect(proxy.forwardedParts.filter((n) => n === 1)).toEqual([1]); // part 1 was never re-sent

    const out = join(dir, 'out');
    const got = await bob.json<{ received: { relayTransferId: string }[] }>([
      'receive',
      '--all',
      '-o',
      out,
    ]);
    expect(got.received.map((r) => r.relayTransferId)).toEqual([result?.relayTransferId]);
    expect((await readFile(join(out, 'big.bin'))).equals(big)).toBe(true);
    // Nothing left to resume.
    const again = await alice.json<{ resumed: unknown[] }>(['resume']);
    expect(again.resumed).toEqual([]);
  });
});

/** A writable that collects text and claims to be a terminal (or not). */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const parts: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      parts.push(chunk);
      callback();
    },
  });
  Object.assign(stream, { isTTY, columns: 100, rows: 30 });
  return {
    stream: stream as unknown as NodeJS.WriteStream,
    text: () => Buffer.concat(parts).toString('utf8'),
  };
}

describe('progress bars', () => {
  it('draw on a terminal, and never with --json or when stdout is not a terminal', async () => {
    await writeFile(join(dir, 'medium.bin'), patternBytes(24 * 1024 * 1024, 5));
    const runIn = async (stdoutTTY: boolean, extra: string[]) => {
      const out = fakeStream(stdoutTTY);
      const err = fakeStream(true);
      const io: CliIo = {
        stdin: new PassThrough() as unknown as CliIo['stdin'],
        stdout: out.stream,
        stderr: err.stream,
        env: { ...process.env },
      };
      const status = await main(
        ['send', join(dir, 'medium.bin'), '--to', bob.email, '--profile', alice.profile, ...extra],
        io,
      );
      return { status, stdout: out.text(), stderr: err.text() };
    };
    const bar = await runIn(true, []);
    expect(bar.status).toBe(0);
    expect(bar.stderr).toMatch(/sending \[[\u2588\u2591]+\] \d+%/u);
    expect(bar.stdout).toMatch(/^Sent \S+ to /u);
    const json = await runIn(true, ['--json']);
    expect(json.status).toBe(0);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toMatchObject({ recipients: [bob.email] });
    const piped = await runIn(false, []);
    expect(piped.status).toBe(0);
    expect(piped.stderr).toBe('');
  });
});
