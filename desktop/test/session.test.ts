import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePublicIdentity } from '@datacrypt/shared-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DataCryptSession,
  encryptPlan,
  planPaths,
  type DataCryptSessionOptions,
} from '../src/core/index.js';
import { PASSWORD, startRelay, type TestRelay } from './helpers/relay.js';

/**
 * DataCryptSession on its own (no CLI): the passphrase-file KeyStore fallback, account state
 * across reopen, coded errors of misuse, password change, rotation with old files still
 * readable. A real relay on a port.
 */

let relay: TestRelay;
let root: string;
const tag = Date.now().toString(36);

beforeAll(async () => {
  relay = await startRelay();
  root = await mkdtemp(join(tmpdir(), 'session-test-'));
});

afterAll(async () => {
  await relay.close();
  await rm(root, { recursive: true, force: true });
});

function options(name: string): DataCryptSessionOptions {
  return {
    profileDir: join(root, name),
    keyStore: 'file',
    keyStorePassphrase: 'key store passphrase',
    scryptLog2N: 10,
    relayUrl: relay.url,
  };
}

async function signedUp(name: string): Promise<{ session: DataCryptSession; email: string }> {
  const session = await DataCryptSession.open(options(name));
  const email = `${name}-${tag}@example.com`;
  await session.register(email, PASSWORD);
  await session.verifyEmail(relay.mailer.lastCode(email));
  expect(await session.login(email, PASSWORD)).toEqual({ status: 'ok' });
  return { session, email };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code ?? 'no code';
  }
  return 'no error';
}

describe('DataCryptSession', () => {
  it('uses passphrase files where asked, says so, and keeps the login across a reopen', async () => {
    const { session, email } = await signedUp('erin');
    const status = await session.status();
    expect(status.keyStore).toBe('passphrase-file');
    expect(status.keyStoreNote).toContain('passphrase-encrypted files');
    expect(status.account).toEqual({
      email,
      verified: true,
      loggedIn: true,
      totpEnabled: false,
    });
    expect(status.fingerprint).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){15}$/u);
    await session.close();

    const again = await DataCryptSession.open(options('erin'));
    expect((await again.status()).account?.loggedIn).toBe(true);
    expect((await again.keys.show()).publishedFingerprint).toBe(status.fingerprint);
    // The session token works after the reopen (a relay call that needs it).
    expect(await again.transfers.inbox()).toEqual([]);
    await again.close();

    // The wrong key store passphrase fails with a coded error, nothing is unlocked.
    const wrong = await DataCryptSession.open({ ...options('erin'), keyStorePassphrase: 'nope' });
    expect(await codeOf(wrong.status())).toBe('E_PASSPHRASE');
    await wrong.close();
  });

  it('answers misuse with coded errors', async () => {
    const session = await DataCryptSession.open(options('fresh'));
    expect(await codeOf(session.verifyEmail('123456'))).toBe('E_NO_ACCOUNT');
    expect(await codeOf(session.keys.show())).toBe('E_NO_ACCOUNT');
    expect(await codeOf(session.contacts.list())).toBe('E_NO_ACCOUNT');
    expect(await codeOf(session.loginSecondFactor('123456'))).toBe('E_STATE');
    expect(await codeOf(session.setRelay('ftp://relay.example.com'))).toBe('E_ARGUMENT');
    expect(await codeOf(session.totpSetup())).toBe('E_NOT_LOGGED_IN');
    await session.register(`fresh-${tag}@example.com`, PASSWORD);
    expect(await codeOf(session.keys.show())).toBe('E_NO_IDENTITY');
    expect(await codeOf(session.transfers.inbox())).toBe('E_NOT_LOGGED_IN');
    // Switching relay starts the account over.
    await session.setRelay('https://relay.example.com/');
    const status = await session.status();
    expect(status.relayUrl).toBe('https://relay.example.com');
    expect(status.account).toBeUndefined();
    await session.close();
    expect(await codeOf(session.status())).toBe('E_CLOSED');
  });

  it('changes the password: the new one logs in, the old one no longer does', async () => {
    const { session, email } = await signedUp('frank');
    const next = 'a different long password';
    expect(await codeOf(session.changePassword('wrong password!!', next))).toBe(
      'E_INVALID_CREDENTIALS',
    );
    await session.changePassword(PASSWORD, next);
    expect((await session.status()).account?.loggedIn).toBe(true);
    expect(await session.logout()).toEqual({ endedOnRelay: true });
    expect(await codeOf(session.login(email, PASSWORD))).toBe('E_INVALID_CREDENTIALS');
    expect(await session.login(email, next)).toEqual({ status: 'ok' });
    await session.close();
  });

  it('after a rotation, a file sent to the old key still decrypts (retired key), offline', async () => {
    const { session: grace, email: graceEmail } = await signedUp('grace');
    const { session: heidi } = await signedUp('heidi');
    const heidiBefore = await heidi.keys.show();
    const graceKey = await grace.keyStore.current({ relayUrl: relay.url, email: graceEmail });
    if (graceKey === null) throw new Error('grace has no key');
    await heidi.contacts.add(graceEmail);
    const heidiEmail = (await heidi.status()).account?.email ?? '';
    await grace.contacts.add(heidiEmail);

    const plain = join(root, 'letter.txt');
    await writeFile(plain, 'for the old key\n');
    const sealed = join(root, 'letter.txt.dcrypt');
    await encryptPlan(
      await planPaths([plain]),
      { file: sealed },
      {
        sender: graceKey.identity,
        recipients: [parsePublicIdentity(heidiBefore.publicIdentity)],
      },
    );

    const rotated = await heidi.keys.rotate();
    expect(rotated.published).toBe(true);
    expect(rotated.previous?.fingerprint).toBe(heidiBefore.fingerprint);
    const out = join(root, 'opened');
    const result = await heidi.decryptFile(sealed, `${out}/`);
    expect(result.senderEmail).toBe(graceEmail);
    expect(result.senderStatus).toBe('unverified');
    expect(result.senderFingerprint).toBe(graceKey.fingerprint);
    expect(await readFile(join(out, 'letter.txt'), 'utf8')).toBe('for the old key\n');

    // Grace sees Heidi's key change and cannot send to her until she decides.
    expect(await codeOf(grace.transfers.send([plain], [heidiEmail]))).toBe('E_KEY_CHANGED');
    const detail = await grace.contacts.show(heidiEmail);
    expect(detail.contact.status).toBe('key-changed');
    expect(detail.keyChange).toMatchObject({
      oldFingerprint: heidiBefore.fingerprint,
      newFingerprint: rotated.current.fingerprint,
    });
    expect(detail.keyChange?.safetyNumber.digits).not.toBe(detail.safetyNumber.digits);
    const accepted = await grace.contacts.acceptKeyChange(heidiEmail);
    expect(accepted).toMatchObject({
      status: 'unverified',
      fingerprint: rotated.current.fingerprint,
    });
    await grace.close();
    await heidi.close();
  });
});
