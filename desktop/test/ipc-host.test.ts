// The host handler map through the shared dispatcher, on a real profile and a real relay: the
// onboarding stages (including two-factor login), the file key store lock, key backup/restore by
// text, settings, the pending `.dcrypt` file, and the "web" platform's dialog answers.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidEvent, type CallResult, type Channel, type IpcResult } from '../shared/index.js';
import { createDispatcher, type Dispatch } from '../src/host/dispatcher.js';
import { handlers } from '../src/host/handlers.js';
import { headlessPlatform } from '../src/host/platform.js';
import { HostRuntime } from '../src/host/runtime.js';
import { totpCode } from './helpers/cli-users.js';
import { startRelay, type TestRelay } from './helpers/relay.js';

const PASSWORD = 'correct horse battery';
const PASSPHRASE = 'key store passphrase';

let relay: TestRelay;
let dir: string;
const logged: string[] = [];
const log = { error: (m: string) => logged.push(m) };
const dispatch: Dispatch<HostRuntime> = createDispatcher(handlers, log);

function open(profile: string, passphrase?: string): Promise<HostRuntime> {
  return HostRuntime.open({
    profileDir: join(dir, profile),
    relayUrl: relay.url,
    keyStore: 'file',
    keyStorePassphrase: passphrase,
    scryptLog2N: 10,
    platform: headlessPlatform('web', '0.0.0-test'),
    log,
    defaultDownloadDir: join(dir, 'downloads'),
  });
}

async function call<C extends Channel>(
  host: HostRuntime,
  channel: C,
  args: unknown = {},
): Promise<IpcResult<C>> {
  return await dispatch(channel, args, host);
}

async function ok<C extends Channel>(
  host: HostRuntime,
  channel: C,
  args: unknown = {},
): Promise<CallResult<C>> {
  const answer = await call(host, channel, args);
  if (!answer.ok) throw new Error(`${channel}: ${answer.error.code}: ${answer.error.message}`);
  return answer.value;
}

/** The paths of the `app:openFile` events the host emits from now on. */
function openedFiles(host: HostRuntime): string[] {
  const seen: string[] = [];
  host.events.subscribe((name, payload) => {
    if (name === 'app:openFile' && isValidEvent('app:openFile', payload)) seen.push(payload.path);
  });
  return seen;
}

beforeAll(async () => {
  relay = await startRelay();
  dir = await mkdtemp(join(tmpdir(), 'ipc-host-'));
});

afterAll(async () => {
  await relay.close();
  await rm(dir, { recursive: true, force: true });
});

describe('onboarding through the handlers', () => {
  it('walks the stages: no account, unverified, ready, second factor, signed out', async () => {
    const host = await open('carol', PASSPHRASE);
    try {
      const email = 'carol@example.com';
      expect(await ok(host, 'account:status')).toMatchObject({
        stage: 'no-account',
        email: null,
        fingerprint: null,
        connection: 'signed-out',
        keyStore: { kind: 'passphrase-file', unlocked: true },
      });
      expect(await ok(host, 'account:register', { email, password: PASSWORD })).toMatchObject({
        stage: 'unverified',
        email,
      });
      expect(await ok(host, 'account:resendCode')).toEqual({ sent: true });
      await ok(host, 'account:verifyEmail', { code: relay.mailer.lastCode(email) });
      const first = await ok(host, 'account:login', { email, password: PASSWORD });
      expect(first).toMatchObject({ status: 'ok', keyCreated: true });
      if (first.status !== 'ok') return;
      expect(first.account).toMatchObject({ stage: 'ready', backupRecommended: true });
      expect(first.account.fingerprint).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){15}$/u);

      const setup = await ok(host, 'account:twoFactorSetup');
      expect(setup.otpauthUrl).toMatch(/^otpauth:\/\//u);
      const { recoveryCodes } = await ok(host, 'account:twoFactorEnable', {
        code: totpCode(setup.secret),
      });
      expect(recoveryCodes.length).toBeGreaterThan(0);
      expect((await ok(host, 'account:status')).totpEnabled).toBe(true);

      expect((await ok(host, 'account:logout')).stage).toBe('signed-out');
      const second = await ok(host, 'account:login', { email, password: PASSWORD });
      expect(second).toEqual({ status: 'second-factor-required' });
      expect((await ok(host, 'account:status')).stage).toBe('second-factor');
      const wrong = await call(host, 'account:loginSecondFactor', { recoveryCode: 'zzzzz-zzzzz' });
      expect(wrong.ok).toBe(false);
      const done = await ok(host, 'account:loginSecondFactor', {
        recoveryCode: recoveryCodes[0] ?? '',
      });
      expect(done).toMatchObject({ status: 'ok', keyCreated: false, account: { stage: 'ready' } });

      const off = await ok(host, 'account:twoFactorDisable', {
        password: PASSWORD,
        code: totpCode(setup.secret, 1),
      });
      expect(off.totpEnabled).toBe(false);

      const badChange = await call(host, 'account:changePassword', {
        currentPassword: 'not my password',
        newPassword: 'another good password',
      });
      expect(badChange.ok).toBe(false);
      expect(
        await ok(host, 'account:changePassword', {
          currentPassword: PASSWORD,
          newPassword: 'another good password',
        }),
      ).toEqual({ changed: true });
      await ok(host, 'account:logout');
      const again = await ok(host, 'account:login', {
        email,
        password: 'another good password',
      });
      expect(again).toMatchObject({ status: 'ok', account: { stage: 'ready' } });
      expect(await ok(host, 'contacts:remove', { email: 'nobody@example.com' })).toEqual({
        removed: false,
      });
    } finally {
      await host.close();
    }
  });
});

describe('keys', () => {
  it('keeps the file key store locked until unlocked, and refuses a wrong passphrase', async () => {
    const email = 'dave@example.com';
    const first = await open('dave', PASSPHRASE);
    await ok(first, 'account:register', { email, password: PASSWORD });
    await ok(first, 'account:verifyEmail', { code: relay.mailer.lastCode(email) });
    await ok(first, 'account:login', { email, password: PASSWORD });
    const fingerprint = (await ok(first, 'keys:show')).fingerprint;
    await first.close();

    const host = await open('dave');
    try {
      const locked = await ok(host, 'account:status');
      expect(locked.keyStore).toMatchObject({ kind: 'passphrase-file', unlocked: false });
      const needs = await call(host, 'keys:show');
      expect(needs).toMatchObject({ ok: false, error: { code: 'E_KEYSTORE_LOCKED' } });

      const refused = await call(host, 'keys:unlock', { passphrase: 'not the passphrase' });
      expect(refused).toMatchObject({ ok: false, error: { code: 'E_PASSPHRASE' } });
      expect((await ok(host, 'account:status')).keyStore.unlocked).toBe(false);

      const unlocked = await ok(host, 'keys:unlock', { passphrase: PASSPHRASE });
      expect(unlocked).toMatchObject({ keyStore: { unlocked: true }, email, fingerprint });
      expect((await ok(host, 'keys:show')).fingerprint).toBe(fingerprint);
    } finally {
      await host.close();
    }
  });

  it('backs up to text or a file, restores from text, rotates, and handles the backup prompt', async () => {
    const email = 'erin@example.com';
    const host = await open('erin', PASSPHRASE);
    try {
      await ok(host, 'account:register', { email, password: PASSWORD });
      await ok(host, 'account:verifyEmail', { code: relay.mailer.lastCode(email) });
      await ok(host, 'account:login', { email, password: PASSWORD });
      const key = await ok(host, 'keys:show');
      expect((await ok(host, 'account:status')).backupRecommended).toBe(true);

      const backup = await ok(host, 'keys:backup', { passphrase: 'backup passphrase' });
      expect(backup.path).toBeNull();
      expect(backup.armored.length).toBeGreaterThan(100);
      expect((await ok(host, 'account:status')).backupRecommended).toBe(false);
      const file = join(dir, 'erin-backup.txt');
      expect((await ok(host, 'keys:backup', { passphrase: 'p2', path: file })).path).toBe(file);
      const exists = await call(host, 'keys:backup', { passphrase: 'p2', path: file });
      expect(exists.ok).toBe(false);

      const rotated = await ok(host, 'keys:rotate');
      expect(rotated.fingerprint).not.toBe(key.fingerprint);
      expect(rotated.retired.map((r) => r.fingerprint)).toContain(key.fingerprint);
      expect((await ok(host, 'account:status')).backupRecommended).toBe(true);
      expect((await ok(host, 'keys:dismissBackup')).backupRecommended).toBe(false);

      const wrong = await call(host, 'keys:restore', {
        source: { text: backup.armored },
        passphrase: 'not it',
      });
      expect(wrong.ok).toBe(false);
      const restored = await ok(host, 'keys:restore', {
        source: { text: backup.armored },
        passphrase: 'backup passphrase',
      });
      expect(restored.fingerprint).toBe(key.fingerprint);
      expect(restored.storage).toBe('passphrase-file');
    } finally {
      await host.close();
    }
  });
});

describe('host state', () => {
  it('keeps settings, the pending .dcrypt file and answers dialogs as unsupported on the web', async () => {
    const host = await open('frank', PASSPHRASE);
    try {
      const opened = openedFiles(host);
      expect(await ok(host, 'settings:get')).toEqual({
        notifications: { newTransfers: true, receipts: true },
        downloadFolder: null,
        keepEncryptedCopy: false,
      });
      const changed = await ok(host, 'settings:set', {
        notifications: { receipts: false },
        downloadFolder: join(dir, 'dl'),
      });
      expect(changed).toEqual({
        notifications: { newTransfers: true, receipts: false },
        downloadFolder: join(dir, 'dl'),
        keepEncryptedCopy: false,
      });
      expect(await ok(host, 'settings:get')).toEqual(changed);

      const info = await ok(host, 'app:info');
      expect(info).toMatchObject({ transport: 'web', nativeDialogs: false, fileUpload: true });
      expect(await ok(host, 'dialog:openFiles', { multiple: true })).toEqual({
        paths: [],
        supported: false,
      });
      expect(await ok(host, 'dialog:saveFile', { defaultName: 'x' })).toEqual({
        path: null,
        supported: false,
      });
      expect(await ok(host, 'shell:showItem', { path: '/tmp' })).toEqual({ shown: false });

      host.openFile('/data/a.dcrypt');
      expect(opened).toEqual(['/data/a.dcrypt']);
      expect(await ok(host, 'app:takePendingOpenFile')).toEqual({ path: '/data/a.dcrypt' });
      expect(await ok(host, 'app:takePendingOpenFile')).toEqual({ path: null });

      // Offline decrypt needs an account's keys: a clear code, not a crash.
      const file = join(dir, 'not-ours.dcrypt');
      await writeFile(file, 'not a DataCrypt file');
      const refused = await call(host, 'offline:decrypt', { path: file, folder: join(dir, 'o') });
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.error.code).toMatch(/^E_[A-Z_]+$/u);
      expect(logged).toEqual([]);
    } finally {
      await host.close();
    }
  });
});
