import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run, workspace } from './helpers/cli.js';
import {
  cliUser,
  expectFailure,
  signUpViaCli,
  totpCode,
  type CliUser,
} from './helpers/cli-users.js';
import { startRelay, type TestRelay } from './helpers/relay.js';

// Every step spawns the real CLI (node start-up, keychain probe): slow on a busy machine.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

/**
 * The account, key and contact flows of the `datacrypt` CLI against a real relay on a port, with
 * the real OS keychain (run inside scripts/with-keyring.sh) and profiles in a temp folder.
 */

interface Status {
  profileDir: string;
  relayUrl: string;
  account?: { email: string; verified: boolean; loggedIn: boolean; totpEnabled: boolean };
  keyStore: string;
  keyStoreNote: string;
  fingerprint?: string;
  publicIdentity?: string;
}

interface ContactJson {
  email: string;
  status: string;
  fingerprint: string;
  publicIdentity: string;
  firstSeenAt: string;
  verifiedAt: string | null;
  newFingerprint: string | null;
}

interface DetailJson {
  contact: ContactJson;
  myFingerprint: string;
  safetyNumber: { digits: string; groups: string[]; qrPayload: string };
  keyChange: unknown;
}

const FINGERPRINT = /^[0-9a-f]{4}( [0-9a-f]{4}){15}$/u;

let dir: string;
let cleanup: () => Promise<void>;
let relay: TestRelay;
let alice: CliUser;
let bob: CliUser;
let carol: CliUser;

beforeAll(async () => {
  ({ dir, cleanup } = await workspace());
  relay = await startRelay();
  const tag = Date.now().toString(36);
  alice = await cliUser(dir, 'alice', `alice-${tag}@example.com`);
  bob = await cliUser(dir, 'bob', `bob-${tag}@example.com`);
  carol = await cliUser(dir, 'carol', `carol-${tag}@example.com`);
});

afterAll(async () => {
  await relay.close();
  await cleanup();
});

describe('datacrypt account', () => {
  it('registers, verifies and logs in three users; the first login creates and publishes the key', async () => {
    const fresh = await alice.json<Status>(['account', 'status']);
    expect(fresh.account).toBeUndefined();
    expect(fresh.fingerprint).toBeUndefined();
    expect(fresh.keyStore).toBe('keychain');
    for (const user of [alice, bob, carol]) await signUpViaCli(user, relay, relay.url, dir);
    const status = await alice.json<Status>(['account', 'status']);
    expect(status).toEqual({
      profileDir: alice.profile,
      relayUrl: relay.url,
      account: { email: alice.email, verified: true, loggedIn: true, totpEnabled: false },
      keyStore: 'keychain',
      keyStoreNote: expect.any(String) as string,
      fingerprint: expect.stringMatching(FINGERPRINT) as string,
      publicIdentity: expect.stringMatching(/^datacrypt1/u) as string,
    });
    // Profile options may also come before the command.
    const hoisted = await run(['--profile', alice.profile, '--json', 'account', 'status'], {
      cwd: dir,
    });
    expect(hoisted.status).toBe(0);
    expect(JSON.parse(hoisted.stdout.toString('utf8'))).toEqual(status);
    const keys = await alice.json<{ fingerprint: string; publishedFingerprint: string | null }>([
      'keys',
      'show',
    ]);
    expect(keys.fingerprint).toBe(status.fingerprint);
    expect(keys.publishedFingerprint).toBe(status.fingerprint);
  });

  it('refuses a wrong password and a wrong verification code with coded errors', async () => {
    const wrong = await alice.dc(['account', 'login', alice.email], {
      DATACRYPT_PASSWORD: 'not the right password',
    });
    expectFailure(wrong, 'E_INVALID_CREDENTIALS');
    const noPassword = await alice.dc(['account', 'login', alice.email], {
      DATACRYPT_PASSWORD: '',
    });
    expect(noPassword.status).toBe(1);
    expect(noPassword.stderr).toMatch(/^datacrypt: E_NO_INPUT: /u);
    const dave = await cliUser(dir, 'dave', `dave-${Date.now().toString(36)}@example.com`);
    expect((await dave.dc(['relay', 'set', relay.url])).status).toBe(0);
    expect((await dave.dc(['account', 'register', dave.email])).status).toBe(0);
    const code = relay.mailer.lastCode(dave.email) === '000000' ? '111111' : '000000';
    const bad = await dave.dc(['account', 'verify'], { DATACRYPT_CODE: code });
    expectFailure(bad, 'E_CODE_INVALID');
    const notVerified = await dave.dc(['account', 'login', dave.email]);
    expectFailure(notVerified, 'E_EMAIL_NOT_VERIFIED');
    // A failed first login leaves no identity behind.
    expect((await dave.json<Status>(['account', 'status'])).fingerprint).toBeUndefined();
    // Another profile asks for a new code and verifies the account registered elsewhere.
    const other = await cliUser(dir, 'dave2', dave.email);
    expect((await other.dc(['relay', 'set', relay.url])).status).toBe(0);
    const mailsBefore = relay.mailer.sent.length;
    expect((await other.dc(['account', 'verify', '--resend', '--email', dave.email])).status).toBe(
      0,
    );
    expect(relay.mailer.sent.length).toBe(mailsBefore + 1);
    const verified = await other.dc(['account', 'verify', '--email', dave.email], {
      DATACRYPT_CODE: relay.mailer.lastCode(dave.email),
    });
    expect(verified.status).toBe(0);
    expect((await other.json<{ status: string }>(['account', 'login', dave.email])).status).toBe(
      'ok',
    );
  });

  it('falls back to passphrase-encrypted key files where asked, and says so', async () => {
    const erin = await cliUser(dir, 'erin', `erin-${Date.now().toString(36)}@example.com`);
    const env = { DATACRYPT_KEYSTORE: 'file', DATACRYPT_KEYSTORE_PASSPHRASE: 'key file pass' };
    const status = await erin.dc(['account', 'status', '--json'], env);
    expect(status.status).toBe(0);
    expect(status.stderr).toMatch(/^datacrypt: note: keys are kept in passphrase-encrypted files/u);
    expect(JSON.parse(status.stdout.toString('utf8'))).toMatchObject({
      keyStore: 'passphrase-file',
    });
    expect((await erin.dc(['relay', 'set', relay.url], env)).status).toBe(0);
    expect((await erin.dc(['account', 'register', erin.email], env)).status).toBe(0);
    const codeEnv = { ...env, DATACRYPT_CODE: relay.mailer.lastCode(erin.email) };
    expect((await erin.dc(['account', 'verify'], codeEnv)).status).toBe(0);
    // The key files need their passphrase: none given and no terminal is a coded failure.
    const noPass = await erin.dc(['account', 'login', erin.email], { DATACRYPT_KEYSTORE: 'file' });
    expect(noPass.status).toBe(1);
    expect(noPass.stderr).toMatch(/\ndatacrypt: E_PASSPHRASE: .*DATACRYPT_KEYSTORE_PASSPHRASE/u);
    expect((await erin.dc(['account', 'login', erin.email], env)).status).toBe(0);
    const keys = await erin.dc(['keys', 'show', '--json'], env);
    expect(JSON.parse(keys.stdout.toString('utf8'))).toMatchObject({ keyStore: 'passphrase-file' });
  });

  it('never takes a password from the command line', async () => {
    const result = await alice.dc(['account', 'login', alice.email, '--password', 'x']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^datacrypt: E_USAGE: unknown option --password /u);
  });
});

describe('datacrypt contacts', () => {
  it('pins keys on first use, shows the same safety number on both sides, and verifies', async () => {
    const added = await alice.json<ContactJson>(['contacts', 'add', bob.email]);
    expect(added).toEqual({
      email: bob.email,
      status: 'unverified',
      fingerprint: expect.stringMatching(FINGERPRINT) as string,
      publicIdentity: expect.stringMatching(/^datacrypt1/u) as string,
      firstSeenAt: expect.any(String) as string,
      verifiedAt: null,
      newFingerprint: null,
    });
    expect((await bob.json<ContactJson>(['contacts', 'add', alice.email])).status).toBe(
      'unverified',
    );
    await alice.json(['contacts', 'add', carol.email]);
    await carol.json(['contacts', 'add', alice.email]);

    const fromAlice = await alice.json<DetailJson>(['contacts', 'show', bob.email]);
    const fromBob = await bob.json<DetailJson>(['contacts', 'show', alice.email]);
    expect(fromAlice.safetyNumber.digits).toMatch(/^\d{60}$/u);
    expect(fromAlice.safetyNumber.groups).toHaveLength(12);
    expect(fromBob.safetyNumber).toEqual(fromAlice.safetyNumber);
    expect(fromAlice.contact.fingerprint).toBe(fromBob.myFingerprint);
    expect(fromBob.contact.fingerprint).toBe(fromAlice.myFingerprint);
    expect(fromAlice.keyChange).toBeNull();

    const human = await alice.dc(['contacts', 'show', bob.email, '--qr']);
    expect(human.status).toBe(0);
    expect(human.stdout.toString('utf8')).toContain(
      fromAlice.safetyNumber.groups.slice(0, 4).join(' '),
    );
    expect(human.stdout.toString('utf8')).toMatch(/[▀▄█]/u); // the QR code, drawn in blocks

    // A wrong number is refused and changes nothing; the right one (read out by Bob) verifies.
    const wrong = await alice.dc([
      'contacts',
      'verify',
      bob.email,
      '--safety-number',
      '1'.repeat(60),
    ]);
    expectFailure(wrong, 'E_SAFETY_NUMBER');
    const verified = await alice.json<ContactJson>([
      'contacts',
      'verify',
      bob.email,
      '--safety-number',
      fromBob.safetyNumber.groups.join(' '),
    ]);
    expect(verified.status).toBe('verified');
    expect(verified.verifiedAt).not.toBeNull();
    // Bob confirms without typing the number (he compared it on screen).
    expect((await bob.json<ContactJson>(['contacts', 'verify', alice.email])).status).toBe(
      'verified',
    );

    const list = await alice.json<{ contacts: ContactJson[] }>(['contacts', 'list']);
    expect(list.contacts.map((c) => [c.email, c.status]).sort()).toEqual(
      [
        [bob.email, 'verified'],
        [carol.email, 'unverified'],
      ].sort(),
    );
  });

  it('a contact who rotates shows as key-changed with old and new fingerprints until accepted', async () => {
    const before = await carol.json<{ fingerprint: string }>(['keys', 'show']);
    const rotated = await carol.json<{
      current: { fingerprint: string };
      previous: { fingerprint: string } | null;
      published: boolean;
    }>(['keys', 'rotate']);
    expect(rotated.published).toBe(true);
    expect(rotated.previous?.fingerprint).toBe(before.fingerprint);
    expect(rotated.current.fingerprint).not.toBe(before.fingerprint);
    const shown = await carol.json<{ fingerprint: string; retired: { fingerprint: string }[] }>([
      'keys',
      'show',
    ]);
    expect(shown.retired.map((r) => r.fingerprint)).toEqual([before.fingerprint]);

    const list = await alice.json<{ contacts: ContactJson[] }>(['contacts', 'list', '--refresh']);
    const entry = list.contacts.find((c) => c.email === carol.email);
    expect(entry).toMatchObject({
      status: 'key-changed',
      fingerprint: before.fingerprint,
      newFingerprint: rotated.current.fingerprint,
    });
    const detail = await alice.dc(['contacts', 'show', carol.email]);
    const text = detail.stdout.toString('utf8');
    expect(text).toContain(`old fingerprint: ${before.fingerprint}`);
    expect(text).toContain(`new fingerprint: ${rotated.current.fingerprint}`);
    // Verifying without the number cannot settle a key change.
    expectFailure(await alice.dc(['contacts', 'verify', carol.email]), 'E_KEY_CHANGED');
    const accepted = await alice.json<ContactJson>(['contacts', 'accept', carol.email]);
    expect(accepted).toMatchObject({
      status: 'unverified',
      fingerprint: rotated.current.fingerprint,
      newFingerprint: null,
    });
  });
});

describe('datacrypt account 2fa', () => {
  it('enables two-factor login; login then needs a code or a recovery code', async () => {
    const setup = await carol.json<{ otpauthUrl: string; secret: string }>([
      'account',
      '2fa',
      'setup',
    ]);
    expect(setup.otpauthUrl).toMatch(/^otpauth:\/\/totp\//u);
    const enabled = await carol.json<{ enabled: boolean; recoveryCodes: string[] }>(
      ['account', '2fa', 'enable'],
      { DATACRYPT_CODE: totpCode(setup.secret) },
    );
    expect(enabled.recoveryCodes.length).toBeGreaterThan(0);
    expect((await carol.json<Status>(['account', 'status'])).account?.totpEnabled).toBe(true);
    await carol.json(['account', 'logout']);
    expect((await carol.json<Status>(['account', 'status'])).account?.loggedIn).toBe(false);

    const noCode = await carol.dc(['account', 'login', carol.email], { DATACRYPT_CODE: '' });
    expect(noCode.status).toBe(1);
    expect(noCode.stderr).toMatch(/^datacrypt: E_NO_INPUT: /u);
    expectFailure(
      await carol.dc(['account', 'login', carol.email], {
        DATACRYPT_CODE: '000000' === totpCode(setup.secret, 1) ? '111111' : '000000',
      }),
      'E_TOTP_INVALID',
    );
    // The enable step used the current 30 s step; a replayed step is refused, the next one works.
    const codeFile = join(dir, 'carol.totp');
    await writeFile(codeFile, totpCode(setup.secret, 1));
    const login = await carol.json<{ status: string; account: Status['account'] }>([
      'account',
      'login',
      carol.email,
      '--code-file',
      codeFile,
    ]);
    expect(login.status).toBe('ok');
    expect(login.account).toMatchObject({ loggedIn: true, totpEnabled: true });

    await carol.json(['account', 'logout']);
    const withRecovery = await carol.json<{ status: string }>(['account', 'login', carol.email], {
      DATACRYPT_CODE: enabled.recoveryCodes[0] ?? '',
    });
    expect(withRecovery.status).toBe('ok');
  });
});

describe('datacrypt keys backup / restore', () => {
  it('restores a backup on a fresh profile: same fingerprint, published again, contacts unaffected', async () => {
    const original = await alice.json<{ fingerprint: string }>(['keys', 'show']);
    const backup = join(dir, 'alice-backup.txt');
    const passFile = join(dir, 'backup-pass.txt');
    await writeFile(passFile, 'a long backup passphrase\n');
    const done = await alice.json<{ path: string; fingerprint: string }>([
      'keys',
      'backup',
      backup,
      '--passphrase-file',
      passFile,
    ]);
    expect(done.fingerprint).toBe(original.fingerprint);
    expectFailure(
      await alice.dc(['keys', 'backup', backup, '--passphrase-file', passFile]),
      'E_OUTPUT_EXISTS',
    );

    // Another machine: a fresh profile (on a different relay URL of the same relay, so the
    // shared test keychain holds no entry for it yet).
    const other = await cliUser(dir, 'alice2', alice.email);
    const otherUrl = relay.url.replace('127.0.0.1', 'localhost');
    expect((await other.dc(['relay', 'set', otherUrl])).status).toBe(0);
    const wrongPass = join(dir, 'wrong-pass.txt');
    await writeFile(wrongPass, 'not it\n');
    expectFailure(
      await other.dc([
        'keys',
        'restore',
        backup,
        '--email',
        alice.email,
        '--passphrase-file',
        wrongPass,
      ]),
      'E_PASSPHRASE',
    );
    const restored = await other.json<{ current: { fingerprint: string }; published: boolean }>([
      'keys',
      'restore',
      backup,
      '--email',
      alice.email,
      '--passphrase-file',
      passFile,
    ]);
    expect(restored.current.fingerprint).toBe(original.fingerprint);
    expect(restored.published).toBe(false); // not logged in yet: published at login
    await other.json(['account', 'login', alice.email]);
    const keys = await other.json<{ fingerprint: string; publishedFingerprint: string }>([
      'keys',
      'show',
    ]);
    expect(keys).toMatchObject({
      fingerprint: original.fingerprint,
      publishedFingerprint: original.fingerprint,
    });
    // Bob still sees Alice's verified key: a restore is not a key change.
    const list = await bob.json<{ contacts: ContactJson[] }>(['contacts', 'list', '--refresh']);
    expect(list.contacts.find((c) => c.email === alice.email)?.status).toBe('verified');
  });
});
