import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeychainKeyStore, openKeyStore, PassphraseFileKeyStore } from '../src/core/index.js';
import { workspace } from './helpers/cli.js';
import { headlessKeytar, memoryKeytar, silentKeytar } from './helpers/fake-keytar.js';
import { seededIdentity } from './helpers/keystore-contract.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await workspace());
});
afterAll(() => cleanup());

const account = { relayUrl: 'https://relay.test', email: 'alice@example.com' };

describe('openKeyStore', () => {
  it('uses the keychain when the probe works, without asking for a passphrase', async () => {
    let asked = 0;
    const keytar = memoryKeytar();
    const opened = await openKeyStore({
      profileDir: join(dir, 'keychain'),
      passphrase: () => {
        asked += 1;
        return Promise.resolve('unused');
      },
      loadKeytar: () => Promise.resolve(keytar),
    });
    expect(opened.kind).toBe('keychain');
    expect(opened.store).toBeInstanceOf(KeychainKeyStore);
    expect(opened.reason).toBe('keys are kept in the OS keychain');
    await opened.store.setCurrent(account, seededIdentity('open-keychain'));
    expect(await opened.store.current(account)).not.toBeNull();
    expect(asked).toBe(0);
    // The probe entry is removed again.
    expect((await keytar.findCredentials('DataCrypt')).map((c) => c.account)).toEqual([
      'https://relay.test|alice@example.com',
    ]);
  });

  it('falls back to passphrase files on a headless machine and says why', async () => {
    const profileDir = join(dir, 'headless');
    const opened = await openKeyStore({
      profileDir,
      passphrase: 'pass',
      loadKeytar: () => Promise.resolve(headlessKeytar()),
      scryptLog2N: 10,
    });
    expect(opened.kind).toBe('passphrase-file');
    expect(opened.store).toBeInstanceOf(PassphraseFileKeyStore);
    expect(opened.reason).toContain('Cannot autolaunch D-Bus without X11 $DISPLAY');
    expect(opened.reason).toContain(join(profileDir, 'keystore'));
    await opened.store.setCurrent(account, seededIdentity('open-headless'));
    expect(await opened.store.current(account)).not.toBeNull();
  });

  it('falls back when the keytar module cannot be loaded', async () => {
    const opened = await openKeyStore({
      profileDir: join(dir, 'nomodule'),
      passphrase: 'pass',
      loadKeytar: () => Promise.reject(new Error('keytar.node: cannot open shared object file')),
    });
    expect(opened.kind).toBe('passphrase-file');
    expect(opened.reason).toMatch(/keytar module cannot be loaded.*cannot open shared object/u);
  });

  it('falls back when the keychain does not answer in time', async () => {
    const opened = await openKeyStore({
      profileDir: join(dir, 'silent'),
      passphrase: 'pass',
      loadKeytar: () => Promise.resolve(silentKeytar()),
      probeTimeoutMs: 50,
    });
    expect(opened.kind).toBe('passphrase-file');
    expect(opened.reason).toContain('did not answer within 50 ms');
  });

  it('uses the file store when asked to, without probing', async () => {
    let probed = false;
    const opened = await openKeyStore({
      profileDir: join(dir, 'forced'),
      passphrase: 'pass',
      prefer: 'file',
      loadKeytar: () => {
        probed = true;
        return Promise.resolve(memoryKeytar());
      },
    });
    expect(opened.kind).toBe('passphrase-file');
    expect(opened.reason).toContain('as requested');
    expect(probed).toBe(false);
  });
});
