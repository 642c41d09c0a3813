import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  encodeSecretIdentity,
  isDataCryptError,
  parseIdentityFile,
} from '@datacrypt/shared-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassphraseFileKeyStore } from '../src/core/index.js';
import { workspace } from './helpers/cli.js';
import { keyStoreContract, seededIdentity } from './helpers/keystore-contract.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await workspace());
});
afterAll(() => cleanup());

const PASSPHRASE = 'correct horse battery staple';
const LOG2N = 10; // tests only: the default is 17

function fileStore(profileDir: string, passphrase: string | (() => Promise<string>) = PASSPHRASE) {
  return new PassphraseFileKeyStore({ profileDir, passphrase, scryptLog2N: LOG2N });
}

keyStoreContract('PassphraseFileKeyStore', () => ({
  open: () => Promise.resolve(fileStore(join(dir, 'contract'))),
}));

const account = { relayUrl: 'https://relay.test', email: 'alice@example.com' };

describe('PassphraseFileKeyStore on disk', () => {
  it('writes private files only, and no secret key or token in plaintext', async () => {
    const profile = join(dir, 'private');
    const store = fileStore(profile);
    const alice = seededIdentity('disk-alice');
    await store.setCurrent(account, alice);
    await store.setCurrent(account, seededIdentity('disk-alice-2'));
    await store.setToken(account, 'session-token-plaintext-marker');
    expect((await stat(store.dir)).mode & 0o777).toBe(0o700);
    const files = await readdir(store.dir);
    expect(files.filter((f) => f.endsWith('.key'))).toHaveLength(2);
    expect(files.filter((f) => f.endsWith('.token'))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    for (const file of files) {
      const path = join(store.dir, file);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      const text = await readFile(path, 'latin1');
      expect(text).not.toContain('DATACRYPT-SECRET-KEY-1');
      expect(text).not.toContain(encodeSecretIdentity(alice).slice(24));
      expect(text).not.toContain('session-token-plaintext-marker');
    }
  });

  it('keeps identities in standard encrypted identity files (usable with `datacrypt -i`)', async () => {
    const store = fileStore(join(dir, 'interop'));
    const alice = seededIdentity('interop');
    await store.setCurrent(account, alice);
    const [keyFile] = (await readdir(store.dir)).filter((f) => f.endsWith('.key'));
    const text = await readFile(join(store.dir, keyFile), 'utf8');
    expect(text.startsWith('-----BEGIN DATACRYPT ENCRYPTED IDENTITY-----')).toBe(true);
    expect(encodeSecretIdentity(await parseIdentityFile(text, PASSPHRASE))).toBe(
      encodeSecretIdentity(alice),
    );
  });

  it('refuses a wrong passphrase with E_PASSPHRASE and writes nothing under it', async () => {
    const profile = join(dir, 'wrong');
    await fileStore(profile).setCurrent(account, seededIdentity('wrong-1'));
    const before = await readdir(join(profile, 'keystore'));
    const wrong = fileStore(profile, 'not the passphrase');
    const isPassphrase = (e: unknown) => isDataCryptError(e, 'E_PASSPHRASE');
    await expect(wrong.current(account)).rejects.toSatisfy(isPassphrase);
    await expect(wrong.setCurrent(account, seededIdentity('wrong-2'))).rejects.toSatisfy(
      isPassphrase,
    );
    const other = { ...account, email: 'bob@example.com' };
    await expect(wrong.setCurrent(other, seededIdentity('wrong-3'))).rejects.toSatisfy(
      isPassphrase,
    );
    expect(await readdir(join(profile, 'keystore'))).toEqual(before);
    expect(await wrong.accounts()).toEqual([account]); // the index holds no secrets
  });

  it('asks for the passphrase once, and only when it is needed', async () => {
    let asked = 0;
    const store = fileStore(join(dir, 'lazy'), () => {
      asked += 1;
      return Promise.resolve(PASSPHRASE);
    });
    expect(await store.accounts()).toEqual([]);
    expect(await store.current(account)).toBeNull();
    expect(asked).toBe(0);
    await store.setCurrent(account, seededIdentity('lazy'));
    await store.current(account);
    await store.setToken(account, 't');
    expect(asked).toBe(1);
  });

  it('reports a damaged index with E_IO', async () => {
    const profile = join(dir, 'damaged');
    const store = fileStore(profile);
    await store.setCurrent(account, seededIdentity('damaged'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(store.dir, 'index.json'), '{"version":1,"accounts":[{"file":"../x"}]}');
    await expect(fileStore(profile).accounts()).rejects.toSatisfy((e) =>
      isDataCryptError(e, 'E_IO'),
    );
  });
});
