import { createHmac } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Routes, type TokenPair } from '@datacrypt/relay-server/contract';
import { encodePublicIdentity, fingerprint, toPublicIdentity } from '@datacrypt/shared-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRelayError, RelayClient, RelayError, scrub } from '../src/core/index.js';
import {
  makeProfile,
  PASSWORD,
  seeded,
  signUp,
  startProxy,
  startRelay,
  type Profile,
  type TestRelay,
} from './helpers/relay.js';

/*
 * The RelayClient against a real relay (build + listen on 127.0.0.1:0): accounts, sessions with
 * rotating refresh tokens kept in the KeyStore, the key directory, and coded errors.
 */

let relay: TestRelay;
let alice: Profile;
let bob: Profile;
beforeAll(async () => {
  relay = await startRelay();
  alice = await makeProfile('alice@example.com', relay.url);
  bob = await makeProfile('bob@example.com', relay.url);
  await signUp(alice, relay);
  await signUp(bob, relay);
});
afterAll(async () => {
  await alice.close();
  await bob.close();
  await relay.close();
});

const ref = (p: Profile) => ({ relayUrl: relay.url, email: p.email });

function isCode(code: string) {
  return (e: unknown) => isRelayError(e) && e.code === code;
}

/** RFC 6238 code (SHA-1, 6 digits, 30 s) of a base32 secret, for enabling 2FA in a test. */
function totp(secretBase32: string, at = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secretBase32.replace(/=+$/u, '').toUpperCase()) {
    bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  }
  const key = Buffer.from((bits.match(/.{8}/gu) ?? []).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30_000)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const value = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(value % 1_000_000).padStart(6, '0');
}

async function rawJson<T>(path: string, body: unknown, token?: string): Promise<T> {
  const res = await fetch(relay.url + path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as T;
}

describe('RelayClient: accounts and sessions', () => {
  it('logs in after register + verify and keeps the refresh token in the KeyStore', async () => {
    expect(alice.client.email).toBe('alice@example.com');
    const stored = await alice.keyStore.getToken(ref(alice));
    expect(stored).toMatch(/.{16,}/u);
  });

  it('rotates the refresh token on refresh and stores the new one', async () => {
    const before = await alice.keyStore.getToken(ref(alice));
    await alice.client.refresh();
    const after = await alice.keyStore.getToken(ref(alice));
    expect(after).not.toBeNull();
    expect(after).not.toBe(before);
    // The rotated session still works.
    await expect(alice.client.getPublicKey('bob@example.com')).resolves.toMatchObject({
      email: 'bob@example.com',
    });
  });

  it('shares one refresh between parallel callers (no accidental reuse)', async () => {
    await Promise.all([alice.client.refresh(), alice.client.refresh(), alice.client.refresh()]);
    await expect(alice.client.getPublicKey('bob@example.com')).resolves.toBeDefined();
  });

  it('resumes a session from the KeyStore in a new client (after a restart)', async () => {
    const restarted = new RelayClient({ relayUrl: relay.url, keyStore: alice.keyStore });
    expect(await restarted.resume('Alice@Example.com')).toBe(true);
    const entry = await restarted.getPublicKey('bob@example.com');
    expect(entry.current.publication.email).toBe('bob@example.com');
    // The restarted client rotated the token, so the first client now holds a spent one:
    // the relay treats that as theft and revokes the family; the stored token is forgotten.
    await expect(alice.client.refresh()).rejects.toSatisfy(isCode('E_REFRESH_REUSED'));
    expect(await alice.keyStore.getToken(ref(alice))).toBeNull();
    await expect(restarted.refresh()).rejects.toSatisfy(
      (e: unknown) =>
        isRelayError(e) && (e.code === 'E_REFRESH_INVALID' || e.code === 'E_REFRESH_REUSED'),
    );
    await alice.client.login(alice.email, PASSWORD);
    expect(await alice.keyStore.getToken(ref(alice))).not.toBeNull();
  });

  it('logs out: the relay session ends and the stored token is deleted', async () => {
    const carol = await makeProfile('carol@example.com', relay.url);
    try {
      await signUp(carol, relay);
      const token = await carol.keyStore.getToken(ref(carol));
      await carol.client.logout();
      expect(carol.client.email).toBeNull();
      expect(await carol.keyStore.getToken(ref(carol))).toBeNull();
      const replay = await fetch(relay.url + Routes.refresh, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: token }),
      });
      expect(replay.status).toBe(401);
      await expect(carol.client.getPublicKey('bob@example.com')).rejects.toSatisfy(
        isCode('E_AUTH_REQUIRED'),
      );
      expect(
        await new RelayClient({ relayUrl: relay.url, keyStore: carol.keyStore }).resume(
          carol.email,
        ),
      ).toBe(false);
    } finally {
      await carol.close();
    }
  });

  it('completes the TOTP login step (recovery code), refusing a wrong code with E_TOTP_INVALID', async () => {
    const dave = await makeProfile('dave@example.com', relay.url);
    try {
      await signUp(dave, relay);
      const session = await rawJson<TokenPair>(Routes.login, {
        email: dave.email,
        password: PASSWORD,
      });
      const setup = await rawJson<{ secret: string }>(Routes.totpSetup, {}, session.accessToken);
      const enabled = await rawJson<{ recoveryCodes: string[] }>(
        Routes.totpEnable,
        { code: totp(setup.secret) },
        session.accessToken,
      );
      const client = new RelayClient({ relayUrl: relay.url, keyStore: dave.keyStore });
      const step = await client.login(dave.email, PASSWORD);
      expect(step.status).toBe('totp_required');
      if (step.status !== 'totp_required') return;
      const wrong = totp(setup.secret) === '123456' ? '654321' : '123456';
      const failure = await client.loginTotp(step, { code: wrong }).catch((e: unknown) => e);
      expect(failure).toSatisfy(isCode('E_TOTP_INVALID'));
      expect((failure as Error).message).not.toContain(step.challenge);
      const recovery = enabled.recoveryCodes[0] ?? '';
      await expect(client.loginTotp(step, { recoveryCode: recovery })).resolves.toEqual({
        status: 'ok',
        email: dave.email,
      });
      expect(await dave.keyStore.getToken(ref(dave))).not.toBeNull();
      await expect(client.getPublicKey(alice.email)).resolves.toBeDefined();
    } finally {
      await dave.close();
    }
  });
});

describe('RelayClient: key directory', () => {
  it("publishes a signed key and serves a user's key with its history", async () => {
    const entry = await bob.client.getPublicKey('ALICE@example.com');
    expect(entry.email).toBe('alice@example.com');
    expect(entry.current.publication.publicIdentity).toBe(
      encodePublicIdentity(alice.identity.publicIdentity),
    );
    expect(entry.current.fingerprint).toBe(fingerprint(alice.identity.publicIdentity));
    expect(entry.history).toHaveLength(1);

    const rotated = seeded('bob-rotated');
    const published = await bob.client.publishKey(rotated);
    expect(published.history).toHaveLength(2);
    expect(fingerprint(toPublicIdentity(published.current.publication.publicIdentity))).toBe(
      fingerprint(rotated.publicIdentity),
    );
    const seen = await alice.client.getPublicKey('bob@example.com');
    expect(seen.history.map((h) => h.fingerprint)).toEqual([
      fingerprint(bob.identity.publicIdentity),
      fingerprint(rotated.publicIdentity),
    ]);
    // Rolling back to an older publication is refused with the relay's own code.
    await expect(
      bob.client.publishKey(bob.identity, { createdAt: Date.now() - 3_600_000 }),
    ).rejects.toSatisfy(isCode('E_KEY_STALE'));
  });

  it('maps relay errors to coded RelayErrors without secrets in the message', async () => {
    const client = new RelayClient({ relayUrl: relay.url });
    const wrong = 'not-the-password-1234';
    const failure = await client.login(alice.email, wrong).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RelayError);
    expect(failure).toMatchObject({ code: 'E_INVALID_CREDENTIALS', status: 401 });
    expect((failure as Error).message).toMatch(/^E_INVALID_CREDENTIALS: /u);
    expect((failure as Error).message).not.toContain(wrong);

    await expect(client.verifyOtp('nobody@example.com', '000000')).rejects.toSatisfy(
      isCode('E_CODE_INVALID'),
    );
    await expect(client.getPublicKey(alice.email)).rejects.toSatisfy(isCode('E_AUTH_REQUIRED'));
    await expect(client.publishKey(alice.identity)).rejects.toSatisfy(isCode('E_AUTH_REQUIRED'));
    await expect(alice.client.getPublicKey('nobody@example.com')).rejects.toSatisfy(
      isCode('E_NOT_FOUND'),
    );
  });

  it('reports an unreachable relay as E_NETWORK', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
    const client = new RelayClient({ relayUrl: `http://127.0.0.1:${port}`, timeoutMs: 5000 });
    const failure = await client.login(alice.email, PASSWORD).catch((e: unknown) => e);
    expect(failure).toSatisfy(isCode('E_NETWORK'));
    expect(failure).toMatchObject({ status: null, route: Routes.login });
    expect((failure as Error).message).not.toContain(PASSWORD);
  });

  it('refuses an answer that does not match the contract with E_PROTOCOL', async () => {
    const proxy = await startProxy(relay.url);
    try {
      proxy.rewrites.set(bob.email, (entry) => ({ ...entry, history: 'none' }) as never);
      const client = new RelayClient({ relayUrl: proxy.url });
      await client.login(alice.email, PASSWORD);
      await expect(client.getPublicKey(bob.email)).rejects.toSatisfy(isCode('E_PROTOCOL'));
      proxy.rewrites.set(bob.email, (entry) => ({ ...entry, email: 'carol@example.com' }));
      await expect(client.getPublicKey(bob.email)).rejects.toSatisfy(isCode('E_PROTOCOL'));
      proxy.rewrites.set(bob.email, (entry) => ({ ...entry, extra: 'newer relay' }) as never);
      await expect(client.getPublicKey(bob.email)).resolves.toMatchObject({ email: bob.email });
    } finally {
      await proxy.close();
    }
  });

  it('scrubs secrets and control characters from quoted relay messages', () => {
    expect(scrub('token abc123 was\nbad', ['abc123', undefined])).toBe('token [redacted] was bad');
    expect(scrub('x'.repeat(1000))).toHaveLength(301);
  });
});
