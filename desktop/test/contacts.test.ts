import { Readable } from 'node:stream';
import {
  encodePublicIdentity,
  encryptBytes,
  fingerprint,
  inlineExecutor,
  isDataCryptError,
  safetyNumber,
  signKeyPublication,
  type DecryptSink,
  type PublicIdentity,
} from '@datacrypt/shared-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Contacts,
  decryptFromContact,
  isCodedError,
  KeyChangedError,
  type TrustedContact,
} from '../src/core/index.js';
import {
  makeProfile,
  seeded,
  signUp,
  startProxy,
  startRelay,
  type Profile,
  type TestProxy,
  type TestRelay,
} from './helpers/relay.js';

/*
 * Contacts and trust against a real relay. User A talks to the relay through a proxy that the
 * tests turn malicious: it rewrites the key directory's answer for one email (a relay that swaps
 * keys, forges a publication, or serves one made for another address). Users B and C talk to the
 * relay directly. Every identity is seeded.
 */

let relay: TestRelay;
let proxy: TestProxy;
let a: Profile;
let b: Profile;
let c: Profile;
let contactsA: Contacts;
let contactsB: Contacts;
const mallory = seeded('mallory');
const B = 'b@example.com';
const C = 'c@example.com';

beforeAll(async () => {
  relay = await startRelay();
  proxy = await startProxy(relay.url);
  a = await makeProfile('a@example.com', proxy.url);
  b = await makeProfile(B, relay.url);
  c = await makeProfile(C, relay.url);
  for (const p of [a, b, c]) await signUp(p, relay);
  contactsA = new Contacts({
    db: a.db,
    accountId: a.account.id,
    directory: a.client,
    me: a.identity.publicIdentity,
  });
  contactsB = new Contacts({
    db: b.db,
    accountId: b.account.id,
    directory: b.client,
    me: () => Promise.resolve(b.identity.publicIdentity),
  });
});
afterAll(async () => {
  for (const p of [a, b, c]) await p.close();
  await proxy.close();
  await relay.close();
});

const fp = (p: PublicIdentity) => fingerprint(p);
const code = (wanted: string) => (e: unknown) =>
  isDataCryptError(e, wanted as 'E_SIGNATURE') || isCodedError(e, wanted);

/** Serves `mallory`'s validly self-signed publication for `email` (a key-swapping relay). */
function swapTo(email: string, identity = mallory): void {
  proxy.rewrites.set(email, (entry) => {
    const publication = signKeyPublication(identity, email, Date.now());
    const current = {
      publication,
      fingerprint: fingerprint(identity.publicIdentity),
      publishedAt: Date.now(),
    };
    return { ...entry, current, history: [...entry.history, current] };
  });
}

/** Serves the real publication with mallory's key swapped in: the signature no longer verifies. */
function forgeSignature(email: string): void {
  proxy.rewrites.set(email, (entry) => {
    const publication = {
      ...entry.current.publication,
      publicIdentity: encodePublicIdentity(mallory.publicIdentity),
    };
    return { ...entry, current: { ...entry.current, publication } };
  });
}

/** Serves a valid publication, but one mallory made for her own address. */
function otherEmail(email: string): void {
  proxy.rewrites.set(email, (entry) => {
    const publication = signKeyPublication(mallory, 'mallory@example.com', Date.now());
    return { ...entry, current: { ...entry.current, publication } };
  });
}

function statuses(contact: TrustedContact, profile: Profile) {
  return profile.db.contacts
    .keyHistory(contact.id)
    .map((k) => [
      k.fingerprint === fp(mallory.publicIdentity) ? 'mallory' : k.fingerprint,
      k.status,
    ]);
}

describe('contacts: trust on first use and safety numbers', () => {
  it('adds a contact by email: the directory key is checked and pinned, unverified', async () => {
    const bob = await contactsA.addContact('B@Example.com');
    expect(bob).toMatchObject({
      email: B,
      status: 'unverified',
      verified: false,
      pendingKey: null,
      fingerprint: fp(b.identity.publicIdentity),
      publicIdentity: encodePublicIdentity(b.identity.publicIdentity),
    });
    expect(a.db.contacts.keyHistory(bob.id).map((k) => k.status)).toEqual(['pinned']);
    // Adding again is a refresh: nothing changes.
    await expect(contactsA.addContact(B)).resolves.toMatchObject({
      id: bob.id,
      status: 'unverified',
    });
    expect(contactsA.assertCanSendTo(B).fingerprint).toBe(fp(b.identity.publicIdentity));
  });

  it('gives the same safety number on both sides, independent of order', async () => {
    await contactsB.addContact(a.email);
    const onA = await contactsA.safetyNumber(B);
    const onB = await contactsB.safetyNumber({ email: a.email });
    expect(onA).toEqual(onB);
    expect(onA).toEqual(safetyNumber(b.identity.publicIdentity, a.identity.publicIdentity));
    expect(onA.groups).toHaveLength(12);
    for (const group of onA.groups) expect(group).toMatch(/^\d{5}$/u);
    expect(onA.qrPayload).toMatch(/^datacrypt-safety-number:1:[0-9a-f]+:[0-9a-f]+$/u);
  });

  it('marks verified only when the compared safety number matches', async () => {
    const { digits, display, qrPayload } = await contactsA.safetyNumber(B);
    const wrong = `${digits.slice(0, -1)}${digits.endsWith('0') ? '1' : '0'}`;
    await expect(contactsA.markVerified(B, { safetyNumber: wrong })).rejects.toSatisfy(
      code('E_SAFETY_NUMBER'),
    );
    expect(contactsA.get(B)?.status).toBe('unverified');
    await expect(contactsA.markVerified(B, { safetyNumber: display })).resolves.toMatchObject({
      status: 'verified',
      verified: true,
    });
    // The other side scans the QR code instead.
    await expect(
      contactsB.markVerified(a.email, { safetyNumber: qrPayload }),
    ).resolves.toMatchObject({ status: 'verified' });
  });
});

describe('contacts: a relay that serves other keys', () => {
  it('refuses a forged publication (bad signature) and never pins it', async () => {
    forgeSignature(C);
    await expect(contactsA.addContact(C)).rejects.toSatisfy(code('E_SIGNATURE'));
    expect(contactsA.get(C)).toBeNull();

    forgeSignature(B);
    await expect(contactsA.refresh(B)).rejects.toSatisfy(code('E_SIGNATURE'));
    const bob = contactsA.get(B);
    expect(bob).toMatchObject({ status: 'verified', fingerprint: fp(b.identity.publicIdentity) });
    expect(statuses(bob as TrustedContact, a)).toEqual([[fp(b.identity.publicIdentity), 'pinned']]);
    proxy.rewrites.clear();
  });

  it('refuses a valid publication made for another email and never pins it', async () => {
    otherEmail(C);
    otherEmail(B);
    await expect(contactsA.addContact(C)).rejects.toSatisfy(code('E_SIGNATURE'));
    expect(contactsA.get(C)).toBeNull();
    await expect(contactsA.refresh(B)).rejects.toSatisfy(code('E_SIGNATURE'));
    expect(contactsA.get(B)).toMatchObject({ status: 'verified', pendingKey: null });
    proxy.rewrites.clear();
  });

  it('flags a swapped key and blocks sending with E_KEY_CHANGED and both fingerprints', async () => {
    swapTo(B);
    const bob = await contactsA.refresh(B);
    expect(bob.status).toBe('key-changed');
    expect(bob.fingerprint).toBe(fp(b.identity.publicIdentity)); // still pinned
    expect(bob.pendingKey?.fingerprint).toBe(fp(mallory.publicIdentity));
    expect(statuses(bob, a)).toEqual([
      [fp(b.identity.publicIdentity), 'pinned'],
      ['mallory', 'pending'],
    ]);

    let thrown: unknown;
    try {
      contactsA.assertCanSendTo(B);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(KeyChangedError);
    expect(thrown).toMatchObject({
      code: 'E_KEY_CHANGED',
      email: B,
      oldFingerprint: fp(b.identity.publicIdentity),
      newFingerprint: fp(mallory.publicIdentity),
    });
    expect((thrown as Error).message).toContain(fp(mallory.publicIdentity));

    // Refreshing again keeps the block; the directory's signer is still not trusted.
    await expect(contactsA.refresh(B)).resolves.toMatchObject({ status: 'key-changed' });
    expect(() => contactsA.assertCanSendTo(B)).toThrow(KeyChangedError);
    expect(contactsA.senderStatus(mallory.publicIdentity).status).toBe('key-changed');
    expect(contactsA.senderStatus(b.identity.publicIdentity).status).toBe('key-changed');
  });

  it('acceptNewKey re-pins the new key unverified and unblocks sending', () => {
    const bob = contactsA.acceptNewKey(B);
    expect(bob).toMatchObject({
      status: 'unverified',
      verified: false,
      pendingKey: null,
      fingerprint: fp(mallory.publicIdentity),
    });
    expect(statuses(bob, a)).toEqual([
      [fp(b.identity.publicIdentity), 'previous'],
      ['mallory', 'pinned'],
    ]);
    expect(contactsA.assertCanSendTo(B).fingerprint).toBe(fp(mallory.publicIdentity));
    expect(() => contactsA.acceptNewKey(B)).toThrow(/did not change/u);
  });

  it('re-verifying the safety number of the new key pins it verified', async () => {
    proxy.rewrites.clear(); // the directory serves B's real key again: a change for A
    const bob = await contactsA.refresh(B);
    expect(bob.status).toBe('key-changed');
    const fresh = await contactsA.safetyNumber(B, { key: 'pending' });
    expect(fresh).toEqual(await contactsB.safetyNumber(a.email));
    const verified = await contactsA.markVerified(B, { safetyNumber: fresh.display });
    expect(verified).toMatchObject({
      status: 'verified',
      fingerprint: fp(b.identity.publicIdentity),
    });
    expect(contactsA.assertCanSendTo(B).status).toBe('verified');
  });

  it('re-verifying the pinned key rejects the served one, which stays rejected', async () => {
    swapTo(B);
    await expect(contactsA.refresh(B)).resolves.toMatchObject({ status: 'key-changed' });
    const pinned = await contactsA.safetyNumber(B);
    const bob = await contactsA.markVerified(B, { safetyNumber: pinned.digits });
    expect(bob).toMatchObject({ status: 'verified', fingerprint: fp(b.identity.publicIdentity) });
    expect(statuses(bob, a).find(([who]) => who === 'mallory')).toEqual(['mallory', 'rejected']);
    await expect(contactsA.refresh(B)).resolves.toMatchObject({ status: 'verified' });
    expect(contactsA.assertCanSendTo(B).fingerprint).toBe(fp(b.identity.publicIdentity));
    proxy.rewrites.clear();
  });
});

describe('contacts: incoming transfers', () => {
  function memorySink(): DecryptSink & { committed: boolean; bytes: number } {
    const sink = {
      committed: false,
      bytes: 0,
      begin: () => Promise.resolve(),
      write: (_e: unknown, _i: number, data: Uint8Array) => {
        sink.bytes += data.length;
        return Promise.resolve();
      },
      commit: () => {
        sink.committed = true;
        return Promise.resolve();
      },
      abort: () => Promise.resolve(),
    };
    return sink;
  }

  /** The file as a one-chunk byte stream. */
  function chunks(bytes: Uint8Array): AsyncIterable<Uint8Array> {
    return Readable.from([bytes]);
  }

  async function receive(bytes: Uint8Array, senderEmail: string) {
    const sink = memorySink();
    const result = await decryptFromContact(
      contactsA,
      chunks(bytes),
      { identity: a.identity, senderEmail },
      { executor: inlineExecutor(), sink },
    );
    return { result, sink };
  }

  const data = { path: 'hello.txt', data: new TextEncoder().encode('hello A') };

  it("shows the sender's status and accepts a transfer signed by the pinned key", async () => {
    const file = await encryptBytes([data], {
      sender: b.identity,
      recipients: [a.identity.publicIdentity],
    });
    const { result, sink } = await receive(file, B);
    expect(result.senderStatus).toBe('verified');
    expect(result.contact?.email).toBe(B);
    expect(sink).toMatchObject({ committed: true, bytes: data.data.length });
  });

  it('refuses with E_SIGNATURE a transfer from a contact signed by another key', async () => {
    const forged = await encryptBytes([data], {
      sender: mallory,
      recipients: [a.identity.publicIdentity],
    });
    const sink = memorySink();
    await expect(
      decryptFromContact(
        contactsA,
        chunks(forged),
        { identity: a.identity, senderEmail: B },
        { executor: inlineExecutor(), sink },
      ),
    ).rejects.toSatisfy(code('E_SIGNATURE'));
    expect(sink.committed).toBe(false);
  });

  it('reports a sender who is not a contact as unknown', async () => {
    const file = await encryptBytes([data], {
      sender: c.identity,
      recipients: [a.identity.publicIdentity],
    });
    const { result } = await receive(file, C);
    expect(result.senderStatus).toBe('unknown');
    expect(result.contact).toBeNull();
  });
});
