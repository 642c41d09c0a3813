import { randomBytes } from 'node:crypto';
import { encodeSecretIdentity } from '@datacrypt/shared-crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { KeychainKeyStore, probeKeychain, type Keytar } from '../src/core/index.js';
import { memoryKeytar } from './helpers/fake-keytar.js';
import { keyStoreContract, seededIdentity } from './helpers/keystore-contract.js';

/*
 * The keychain adapter against the REAL OS keychain (on Linux: a Secret Service such as
 * gnome-keyring; `npm test` starts one in a private D-Bus session, see scripts/with-keyring.sh).
 * Under CI (CI=true) an unreachable keychain FAILS these tests; elsewhere they are skipped with a
 * warning. Entries go to a service of their own, removed at the end.
 */
const SERVICE = `DataCrypt-test-${process.pid}-${randomBytes(4).toString('hex')}`;
const REQUIRED = process.env['CI'] === 'true';
const probe = await probeKeychain({ service: SERVICE, timeoutMs: 10_000 });
const SKIP = !probe.ok && !REQUIRED;

if (!probe.ok && !REQUIRED) {
  console.warn(
    [
      '',
      '=================================================================================',
      '  SKIPPING the OS keychain tests (KeychainKeyStore on keytar):',
      `  ${probe.reason}`,
      '  Run them with `npm test -w desktop` (starts gnome-keyring in a private D-Bus',
      '  session) or in CI (CI=true), where an unreachable keychain is a failure.',
      '=================================================================================',
      '',
    ].join('\n'),
  );
}

/** The real keytar, or (under CI, when the probe failed) a failure with the probe's reason. */
function real(): Keytar {
  if (!probe.ok) throw new Error(`the OS keychain is required under CI: ${probe.reason}`);
  return probe.keytar;
}

afterAll(async () => {
  if (!probe.ok) return;
  for (const { account } of await probe.keytar.findCredentials(SERVICE)) {
    await probe.keytar.deletePassword(SERVICE, account);
  }
});

describe('OS keychain', () => {
  it.skipIf(SKIP)('is reachable through keytar (a Secret Service on Linux)', () => {
    if (!probe.ok) throw new Error(`keytar cannot reach the keychain: ${probe.reason}`);
    expect(probe.ok).toBe(true);
  });
});

describe.skipIf(SKIP)('KeychainKeyStore on the real keychain', () => {
  keyStoreContract('KeychainKeyStore (real keychain)', () => ({
    open: () => Promise.resolve().then(() => new KeychainKeyStore(real(), { service: SERVICE })),
  }));

  it('keeps the current identity under "relayUrl|email" as identity file text', async () => {
    const keytar = real();
    const store = new KeychainKeyStore(keytar, { service: SERVICE });
    const account = { relayUrl: 'https://layout.relay.test', email: 'layout@example.com' };
    const first = seededIdentity('layout-1');
    const second = seededIdentity('layout-2');
    await store.setCurrent(account, first, { now: new Date('2026-01-01T00:00:00Z') });
    await store.setCurrent(account, second, { now: new Date('2026-02-01T00:00:00Z') });
    await store.setToken(account, 'layout-token');
    const current = await keytar.getPassword(
      SERVICE,
      'https://layout.relay.test|layout@example.com',
    );
    expect(current).toContain(encodeSecretIdentity(second));
    expect(current).toContain('# created: 2026-02-01T00:00:00.000Z');
    const names = (await keytar.findCredentials(SERVICE))
      .map((c) => c.account)
      .filter((n) => n.startsWith('https://layout.relay.test|'))
      .sort();
    const fp = (await store.all(account))[1].fingerprint.replaceAll(' ', '');
    expect(names).toEqual([
      'https://layout.relay.test|layout@example.com',
      `https://layout.relay.test|layout@example.com|retired|${fp}`,
      'https://layout.relay.test|layout@example.com|token',
    ]);
    expect(await keytar.getPassword(SERVICE, names[1])).toContain('# retired: 2026-02-01');
  });
});

// The same contract on an in-memory keytar: the adapter's logic, wherever the tests run.
const memory = memoryKeytar();
keyStoreContract('KeychainKeyStore (in-memory keytar)', () => ({
  open: () => Promise.resolve(new KeychainKeyStore(memory, { service: 'mem' })),
}));
