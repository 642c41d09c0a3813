import { generateIdentity, signKeyPublication } from '@datacrypt/shared-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicKeyResponse, RelayEventName } from '../src/contract/index.js';
import { call, makeUser, startRelay, type TestRelay, type TestUser } from './helpers/relay.js';

let relay: TestRelay;
let alice: TestUser;
let bob: TestUser;
beforeAll(async () => {
  relay = await startRelay();
  alice = await makeUser(relay, 'alice@example.com');
  bob = await makeUser(relay, 'bob@example.com', { publishKey: false });
});
afterAll(async () => {
  await relay.close();
});

describe('key directory', () => {
  it('serves the current key and its history; rotation appends and emits key:changed', async () => {
    const first = await call<PublicKeyResponse>(
      relay,
      'GET',
      '/api/users/public-key/Alice@Example.com',
      {
        token: bob.access,
      },
    );
    expect(first.status).toBe(200);
    expect(first.body.history).toHaveLength(1);
    expect(first.body.current.fingerprint).not.toBe('');

    const events: RelayEventName[] = [];
    const account = await relay.app.container.accounts.byEmail('alice@example.com');
    const off = relay.app.container.realtime.subscribe(account?.id ?? '', (e) => events.push(e));
    const next = signKeyPublication(generateIdentity(), 'alice@example.com', Date.now() + 1000);
    const rotated = await call<PublicKeyResponse>(relay, 'PUT', '/api/users/public-key', {
      token: alice.access,
      body: next,
    });
    off();
    expect(rotated.status).toBe(200);
    expect(rotated.body.history).toHaveLength(2);
    expect(rotated.body.current.publication).toEqual(next);
    expect(rotated.body.history[0]?.publication.publicIdentity).toBe(
      first.body.current.publication.publicIdentity,
    );
    expect(events).toEqual(['key:changed']);

    // Re-publishing the current key is a no-op; an older publication cannot roll back.
    const same = await call<PublicKeyResponse>(relay, 'PUT', '/api/users/public-key', {
      token: alice.access,
      body: next,
    });
    expect(same.body.history).toHaveLength(2);
    const old = signKeyPublication(generateIdentity(), 'alice@example.com', next.createdAt - 5000);
    const rollback = await call(relay, 'PUT', '/api/users/public-key', {
      token: alice.access,
      body: old,
    });
    expect(rollback.status).toBe(409);
    expect(rollback.body).toMatchObject({ error: { code: 'E_KEY_STALE' } });
  });

  it('rejects forged signatures and publications for another email', async () => {
    const good = signKeyPublication(generateIdentity(), 'bob@example.com', Date.now());
    const otherKey = signKeyPublication(generateIdentity(), 'bob@example.com', Date.now());
    const forged = { ...good, publicIdentity: otherKey.publicIdentity };
    const r1 = await call(relay, 'PUT', '/api/users/public-key', {
      token: bob.access,
      body: forged,
    });
    expect(r1.status).toBe(400);
    expect(r1.body).toMatchObject({ error: { code: 'E_KEY_SIGNATURE' } });

    const forAlice = signKeyPublication(generateIdentity(), 'alice@example.com', Date.now() + 5000);
    const r2 = await call(relay, 'PUT', '/api/users/public-key', {
      token: bob.access,
      body: forAlice,
    });
    expect(r2.status).toBe(400);
    expect(r2.body).toMatchObject({ error: { code: 'E_KEY_EMAIL_MISMATCH' } });

    const future = signKeyPublication(generateIdentity(), 'bob@example.com', Date.now() + 3600_000);
    const r3 = await call(relay, 'PUT', '/api/users/public-key', {
      token: bob.access,
      body: future,
    });
    expect(r3.status).toBe(409);

    const none = await call(relay, 'GET', '/api/users/public-key/bob@example.com', {
      token: alice.access,
    });
    expect(none.status).toBe(404);
    const noAccount = await call(relay, 'GET', '/api/users/public-key/nobody@example.com', {
      token: alice.access,
    });
    expect(noAccount.status).toBe(404);
    expect(noAccount.body).toEqual(none.body);
  });
});
