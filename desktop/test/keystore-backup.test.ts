import { join } from 'node:path';
import {
  ARMOR_BEGIN,
  encodeSecretIdentity,
  formatIdentityFile,
  isDataCryptError,
  seededRandom,
} from '@datacrypt/shared-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exportIdentityBackup,
  importIdentityBackup,
  PassphraseFileKeyStore,
  rotateIdentity,
} from '../src/core/index.js';
import { workspace } from './helpers/cli.js';
import { seededIdentity } from './helpers/keystore-contract.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await workspace());
});
afterAll(() => cleanup());

const account = { relayUrl: 'https://relay.test', email: 'alice@example.com' };
const PASSPHRASE = 'backup passphrase';

describe('identity backup and restore', () => {
  it('exports armored text under scrypt N=2^17 by default and imports it back', async () => {
    const alice = seededIdentity('backup-default');
    const text = await exportIdentityBackup(alice, PASSPHRASE);
    expect(text.startsWith(ARMOR_BEGIN)).toBe(true);
    expect(text).not.toContain(encodeSecretIdentity(alice));
    const binary = Buffer.from(text.split('\n').slice(1, -2).join(''), 'base64');
    expect([binary[10], binary[11], binary[12]]).toEqual([17, 8, 1]); // log2N, r, p
    const back = await importIdentityBackup(text, PASSPHRASE);
    expect(encodeSecretIdentity(back)).toBe(encodeSecretIdentity(alice));
  });

  it('restores on another machine into its key store (old key kept there)', async () => {
    const alice = seededIdentity('backup-move');
    const text = await exportIdentityBackup(alice, PASSPHRASE, { scryptLog2N: 10 });
    const other = new PassphraseFileKeyStore({
      profileDir: join(dir, 'other-machine'),
      passphrase: 'other store passphrase',
      scryptLog2N: 10,
    });
    await other.setCurrent(account, seededIdentity('backup-other'), {
      now: new Date('2026-01-01T00:00:00Z'),
    });
    const restored = await other.setCurrent(account, await importIdentityBackup(text, PASSPHRASE), {
      now: new Date('2026-02-01T00:00:00Z'),
    });
    expect(encodeSecretIdentity(restored.identity)).toBe(encodeSecretIdentity(alice));
    expect((await other.all(account)).map((r) => r.retiredAt)).toEqual([
      null,
      '2026-02-01T00:00:00.000Z',
    ]);
  });

  it('refuses a wrong passphrase (E_PASSPHRASE) and text that is not an encrypted backup', async () => {
    const alice = seededIdentity('backup-wrong');
    const text = await exportIdentityBackup(alice, PASSPHRASE, { scryptLog2N: 10 });
    await expect(importIdentityBackup(text, 'wrong')).rejects.toSatisfy((e) =>
      isDataCryptError(e, 'E_PASSPHRASE'),
    );
    const lines = text.split('\n');
    const body = lines[1];
    lines[1] = `${body.slice(0, 30)}${body[30] === 'A' ? 'B' : 'A'}${body.slice(31)}`;
    await expect(importIdentityBackup(lines.join('\n'), PASSPHRASE)).rejects.toSatisfy(
      (e) => isDataCryptError(e, 'E_PASSPHRASE') || isDataCryptError(e, 'E_IDENTITY'),
    );
    for (const bad of [formatIdentityFile(alice), '', 'x'.repeat(100_000)]) {
      await expect(importIdentityBackup(bad, PASSPHRASE)).rejects.toSatisfy((e) =>
        isDataCryptError(e, 'E_IDENTITY'),
      );
    }
    await expect(exportIdentityBackup(alice, '')).rejects.toSatisfy((e) =>
      isDataCryptError(e, 'E_ARGUMENT'),
    );
  });
});

describe('key rotation', () => {
  it('makes a new current identity and keeps the old one, retired, for old transfers', async () => {
    const store = new PassphraseFileKeyStore({
      profileDir: join(dir, 'rotation'),
      passphrase: PASSPHRASE,
      scryptLog2N: 10,
    });
    const first = await rotateIdentity(store, account, {
      random: seededRandom('rotation-1'),
      now: new Date('2026-01-01T00:00:00Z'),
    });
    expect(first.retired).toBeNull();
    const second = await rotateIdentity(store, account, {
      random: seededRandom('rotation-2'),
      now: new Date('2026-06-01T00:00:00Z'),
    });
    expect(second.current.fingerprint).not.toBe(first.current.fingerprint);
    expect(second.retired?.fingerprint).toBe(first.current.fingerprint);
    expect(second.retired?.retiredAt).toBe('2026-06-01T00:00:00.000Z');
    expect((await store.current(account))?.fingerprint).toBe(second.current.fingerprint);
    expect((await store.all(account)).map((r) => r.fingerprint)).toEqual([
      second.current.fingerprint,
      first.current.fingerprint,
    ]);
  });
});
