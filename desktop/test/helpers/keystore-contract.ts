import {
  encodeSecretIdentity,
  generateIdentity,
  isDataCryptError,
  seededRandom,
  type SecretIdentity,
} from '@datacrypt/shared-crypto';
import { describe, expect, it } from 'vitest';
import { present } from './present.js';
import { MAX_TOKEN_BYTES, type AccountRef, type KeyStore } from '../../src/core/index.js';

/**
 * The KeyStore contract: every adapter runs this same suite. `open` returns a store over the
 * adapter's shared backing storage (a second call must see what the first stored); each test
 * uses its own relay URL so tests do not see each other's accounts.
 */
export interface KeyStoreHarness {
  open: () => Promise<KeyStore>;
}

/** Deterministic identities for the contract. */
export function seededIdentity(seed: string): SecretIdentity {
  return generateIdentity(seededRandom(`keystore-contract/${seed}`));
}

const T1 = new Date('2026-01-01T00:00:00.000Z');
const T2 = new Date('2026-02-01T00:00:00.000Z');
const T3 = new Date('2026-03-01T00:00:00.000Z');
const T4 = new Date('2026-04-01T00:00:00.000Z');

function secret(id: SecretIdentity): string {
  return encodeSecretIdentity(id);
}

let counter = 0;
/** A fresh account on a relay of its own. */
function freshAccount(label: string): AccountRef {
  counter += 1;
  return { relayUrl: `https://relay-${counter}-${label}.test`, email: `${label}@example.com` };
}

function isCode(code: string): (e: unknown) => boolean {
  return (e) => isDataCryptError(e) && e.code === code;
}

/** Registers the contract tests for one adapter. */
export function keyStoreContract(name: string, harness: () => KeyStoreHarness): void {
  describe(`KeyStore contract: ${name}`, () => {
    it('has nothing for an unknown account', async () => {
      const store = await harness().open();
      const account = freshAccount('nobody');
      expect(await store.current(account)).toBeNull();
      expect(await store.all(account)).toEqual([]);
      expect(await store.getToken(account)).toBeNull();
      expect(await store.deleteToken(account)).toBe(false);
      expect(await store.deleteAccount(account)).toBe(false);
      expect(await store.accounts()).not.toContainEqual(account);
    });

    it('stores an identity and reads it back from a new instance, under the normalized account', async () => {
      const store = await harness().open();
      const account = freshAccount('alice');
      const alice = seededIdentity('alice');
      const stored = await store.setCurrent(account, alice, { now: T1 });
      expect(stored.retiredAt).toBeNull();
      expect(stored.createdAt).toBe(T1.toISOString());

      const again = await harness().open();
      const sloppy = {
        relayUrl: `${account.relayUrl.toUpperCase()}/`,
        email: ` ALICE@Example.com `,
      };
      const current = present(await again.current(sloppy));
      expect(secret(current.identity)).toBe(secret(alice));
      expect(current.fingerprint).toBe(stored.fingerprint);
      expect(current.publicIdentity).toBe(stored.publicIdentity);
      expect(current.createdAt).toBe(T1.toISOString());
      expect(await again.accounts()).toContainEqual(account);
    });

    it('rotates: the old identity is kept, retired, most recent first; re-setting is a no-op', async () => {
      const store = await harness().open();
      const account = freshAccount('rotate');
      const [a, b, c] = ['a', 'b', 'c'].map((s) => seededIdentity(`rotate-${s}`)) as [
        SecretIdentity,
        SecretIdentity,
        SecretIdentity,
      ];
      await store.setCurrent(account, a, { now: T1 });
      await store.setCurrent(account, b, { now: T2 });
      await store.setCurrent(account, c, { now: T3 });
      await store.setCurrent(account, c, { now: T4 }); // already current: nothing changes

      const all = await (await harness().open()).all(account);
      expect(all.map((r) => secret(r.identity))).toEqual([secret(c), secret(b), secret(a)]);
      expect(all.map((r) => [r.createdAt, r.retiredAt])).toEqual([
        [T3.toISOString(), null],
        [T2.toISOString(), T3.toISOString()],
        [T1.toISOString(), T2.toISOString()],
      ]);
      expect(secret(present(await store.current(account)).identity)).toBe(secret(c));
    });

    it('makes a retired identity current again (restored backup) and retires the other', async () => {
      const store = await harness().open();
      const account = freshAccount('reinstate');
      const a = seededIdentity('reinstate-a');
      const b = seededIdentity('reinstate-b');
      await store.setCurrent(account, a, { now: T1 });
      await store.setCurrent(account, b, { now: T2 });
      await store.setCurrent(account, a, { now: T3 });
      const all = await (await harness().open()).all(account);
      expect(all.map((r) => [secret(r.identity), r.createdAt, r.retiredAt])).toEqual([
        [secret(a), T1.toISOString(), null],
        [secret(b), T2.toISOString(), T3.toISOString()],
      ]);
    });

    it('keeps accounts apart: the same email on two relays, two emails on one relay', async () => {
      const store = await harness().open();
      const one = freshAccount('apart');
      const other = { ...one, relayUrl: `${one.relayUrl}/second` };
      const third = { ...one, email: 'someone-else@example.com' };
      await store.setCurrent(one, seededIdentity('apart-1'), { now: T1 });
      await store.setCurrent(other, seededIdentity('apart-2'), { now: T1 });
      await store.setCurrent(third, seededIdentity('apart-3'), { now: T1 });
      expect(secret(present(await store.current(one)).identity)).toBe(
        secret(seededIdentity('apart-1')),
      );
      expect(secret(present(await store.current(other)).identity)).toBe(
        secret(seededIdentity('apart-2')),
      );
      expect(secret(present(await store.current(third)).identity)).toBe(
        secret(seededIdentity('apart-3')),
      );
      expect(await store.all(one)).toHaveLength(1);
      const listed = await store.accounts();
      for (const account of [one, other, third]) expect(listed).toContainEqual(account);
    });

    it('stores the session token verbatim, across rotation, and forgets it', async () => {
      const store = await harness().open();
      const account = freshAccount('token');
      await expect(store.setToken(account, 'too-early')).rejects.toSatisfy(isCode('E_ARGUMENT'));
      await store.setCurrent(account, seededIdentity('token-1'), { now: T1 });
      const hostile = `eyJ.'); DROP TABLE accounts;--|retired|\u00e9\u{1F511}\n"quoted"`;
      await store.setToken(account, hostile);
      expect(await (await harness().open()).getToken(account)).toBe(hostile);
      await store.setToken(account, 'second');
      await store.setCurrent(account, seededIdentity('token-2'), { now: T2 });
      expect(await (await harness().open()).getToken(account)).toBe('second');
      expect(await store.deleteToken(account)).toBe(true);
      expect(await store.getToken(account)).toBeNull();
      expect((await store.current(account))?.identity).toBeDefined();
    });

    it('rejects empty and oversized tokens with E_ARGUMENT', async () => {
      const store = await harness().open();
      const account = freshAccount('bigtoken');
      await store.setCurrent(account, seededIdentity('bigtoken'), { now: T1 });
      await store.setToken(account, 'x'.repeat(MAX_TOKEN_BYTES));
      await expect(store.setToken(account, 'x'.repeat(MAX_TOKEN_BYTES + 1))).rejects.toSatisfy(
        isCode('E_ARGUMENT'),
      );
      await expect(store.setToken(account, '')).rejects.toSatisfy(isCode('E_ARGUMENT'));
      expect(await store.getToken(account)).toBe('x'.repeat(MAX_TOKEN_BYTES));
    });

    it('deletes an account (identities and token) and nothing else', async () => {
      const store = await harness().open();
      const gone = freshAccount('gone');
      const kept = freshAccount('kept');
      await store.setCurrent(gone, seededIdentity('gone-1'), { now: T1 });
      await store.setCurrent(gone, seededIdentity('gone-2'), { now: T2 });
      await store.setToken(gone, 'token-gone');
      await store.setCurrent(kept, seededIdentity('kept'), { now: T1 });
      expect(await store.deleteAccount(gone)).toBe(true);
      const reopened = await harness().open();
      expect(await reopened.current(gone)).toBeNull();
      expect(await reopened.all(gone)).toEqual([]);
      expect(await reopened.getToken(gone)).toBeNull();
      expect(await reopened.accounts()).not.toContainEqual(gone);
      expect(secret(present(await reopened.current(kept)).identity)).toBe(
        secret(seededIdentity('kept')),
      );
    });

    it('rejects malformed accounts with E_ARGUMENT', async () => {
      const store = await harness().open();
      const id = seededIdentity('malformed');
      for (const account of [
        { relayUrl: 'ftp://relay.test', email: 'a@example.com' },
        { relayUrl: 'https://user:pw@relay.test', email: 'a@example.com' },
        { relayUrl: 'https://relay.test/?q=1', email: 'a@example.com' },
        { relayUrl: 'not a url', email: 'a@example.com' },
        { relayUrl: 'https://relay.test', email: 'a|b@example.com' },
        { relayUrl: 'https://relay.test', email: 'no-at-sign' },
        { relayUrl: `https://relay.test/${'x'.repeat(3000)}`, email: 'a@example.com' },
      ]) {
        await expect(store.setCurrent(account, id)).rejects.toSatisfy(isCode('E_ARGUMENT'));
      }
    });
  });
}
