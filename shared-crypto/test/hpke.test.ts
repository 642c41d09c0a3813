import { readFileSync } from 'node:fs';
import { p384 } from '@noble/curves/nist.js';
import { Aes256Gcm, CipherSuite, DhkemP384HkdfSha384, HkdfSha384 } from '@hpke/core';
import fc from 'fast-check';
import type { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isDataCryptError } from '../src/errors.js';
import { fromHex, toHex } from '../src/encoding/bytes.js';
import {
  deriveKeyPair,
  DHKEM_P521_HKDF_SHA512,
  hpkeDeriveKeyPairP384,
  hpkeOpenP384,
  hpkeSealP384,
  hpkeSuiteId,
  openBase,
  P384_SUITE,
  P521_SUITE,
  sealBase,
} from '../src/hpke/index.js';
import { seededRandom } from '../src/random.js';

/** @hpke/core's CryptoKey types (its .d.ts refers to the DOM globals, which this project does not load). */
type CoreKey = webcrypto.CryptoKey;
type CoreKeyPair = webcrypto.CryptoKeyPair;
const suite = new CipherSuite({
  kem: new DhkemP384HkdfSha384(),
  kdf: new HkdfSha384(),
  aead: new Aes256Gcm(),
});
const te = (s: string): Uint8Array => new TextEncoder().encode(s);
const info = te('datacrypt/v1 stanza');
const aad = te('header bytes before the stanza');
const SIZES = [0, 1, 15, 16, 17, 32, 255, 1024, 65_537];

async function coreKeyPair(ikm: Uint8Array): Promise<{ sk: Uint8Array; pk: Uint8Array }> {
  const kp = (await suite.kem.deriveKeyPair(ikm)) as CoreKeyPair;
  return {
    sk: new Uint8Array(await suite.kem.serializePrivateKey(kp.privateKey)),
    pk: new Uint8Array(await suite.kem.serializePublicKey(kp.publicKey)),
  };
}

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    expect(isDataCryptError(e) && e.code).toBe(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe('HPKE P-384 suite ids', () => {
  it('suite_id is "HPKE" || 0x0011 || 0x0002 || 0x0002', () => {
    expect(toHex(hpkeSuiteId(P384_SUITE))).toBe('48504b45001100020002');
  });
});

describe('HPKE P-384 DeriveKeyPair', () => {
  it('equals @hpke/core deriveKeyPair for many ikm', async () => {
    const random = seededRandom('hpke-dkp');
    for (let i = 0; i < 16; i++) {
      const ikm = random(48 + (i % 3) * 16);
      const ours = hpkeDeriveKeyPairP384(ikm);
      const theirs = await coreKeyPair(ikm);
      expect(toHex(ours.secretKey)).toBe(toHex(theirs.sk));
      expect(toHex(ours.publicKey)).toBe(toHex(theirs.pk));
      expect(ours.publicKey.length).toBe(97);
    }
  });

  it('rejects ikm shorter than 48 bytes with E_ARGUMENT', () => {
    expectCode(() => hpkeDeriveKeyPairP384(new Uint8Array(47)), 'E_ARGUMENT');
  });

  it('generic DHKEM also handles P-521 (bitmask 0x01) like @hpke/core', async () => {
    const { DhkemP521HkdfSha512, HkdfSha512 } = await import('@hpke/core');
    const s521 = new CipherSuite({
      kem: new DhkemP521HkdfSha512(),
      kdf: new HkdfSha512(),
      aead: new Aes256Gcm(),
    });
    const ikm = seededRandom('p521')(66);
    const ours = deriveKeyPair(DHKEM_P521_HKDF_SHA512, ikm);
    const kp = (await s521.kem.deriveKeyPair(ikm)) as CoreKeyPair;
    const pk = new Uint8Array(await s521.kem.serializePublicKey(kp.publicKey));
    expect(toHex(ours.publicKey)).toBe(toHex(pk));
    const sealed = sealBase(P521_SUITE, pk, info, aad, te('p521'), { ephemeralIkm: ikm });
    const opened = await s521.open(
      { recipientKey: kp.privateKey, enc: sealed.enc, info },
      sealed.ciphertext,
      aad,
    );
    expect(new Uint8Array(opened)).toEqual(te('p521'));
    expect(openBase(P521_SUITE, sealed.enc, ours.secretKey, info, aad, sealed.ciphertext)).toEqual(
      te('p521'),
    );
  });
});

describe('HPKE P-384 interop with @hpke/core', () => {
  it.each(SIZES)('ours seals -> @hpke/core opens (%i bytes)', async (size) => {
    const random = seededRandom(`ours-seal-${size}`);
    const recipient = (await suite.kem.generateKeyPair()) as CoreKeyPair;
    const pkR = new Uint8Array(await suite.kem.serializePublicKey(recipient.publicKey));
    const pt = random(size);
    const sealed = hpkeSealP384(pkR, info, aad, pt, { random });
    expect(sealed.enc.length).toBe(97);
    expect(sealed.ciphertext.length).toBe(size + 16);
    const opened = await suite.open(
      { recipientKey: recipient.privateKey, enc: sealed.enc, info },
      sealed.ciphertext,
      aad,
    );
    expect(toHex(new Uint8Array(opened))).toBe(toHex(pt));
  });

  it('ours seals to a compressed recipient key -> @hpke/core opens', async () => {
    const { sk, pk } = await coreKeyPair(seededRandom('compressed')(48));
    const compressed = p384.Point.fromBytes(pk).toBytes(true);
    expect(compressed.length).toBe(49);
    const sealed = hpkeSealP384(compressed, info, aad, te('hello'));
    const key = (await suite.kem.deserializePrivateKey(sk)) as CoreKey;
    const opened = await suite.open(
      { recipientKey: key, enc: sealed.enc, info },
      sealed.ciphertext,
      aad,
    );
    expect(new Uint8Array(opened)).toEqual(te('hello'));
  });

  it.each(SIZES)('@hpke/core seals -> ours opens (%i bytes)', async (size) => {
    const random = seededRandom(`core-seal-${size}`);
    const { sk, pk } = await coreKeyPair(random(48));
    const recipientPublicKey = (await suite.kem.deserializePublicKey(pk)) as CoreKey;
    const pt = random(size);
    const sealed = await suite.seal({ recipientPublicKey, info }, pt, aad);
    const opened = hpkeOpenP384(
      sk,
      new Uint8Array(sealed.enc),
      info,
      aad,
      new Uint8Array(sealed.ct),
    );
    expect(opened && toHex(opened)).toBe(toHex(pt));
  });

  it('empty info and aad interoperate too', async () => {
    const { sk, pk } = await coreKeyPair(seededRandom('empty-info')(48));
    const empty = new Uint8Array(0);
    const sealed = hpkeSealP384(pk, empty, empty, te('x'));
    const key = (await suite.kem.deserializePrivateKey(sk)) as CoreKey;
    const opened = await suite.open(
      { recipientKey: key, enc: sealed.enc, info: empty },
      sealed.ciphertext,
    );
    expect(new Uint8Array(opened)).toEqual(te('x'));
  });

  it('same ephemeralIkm -> byte-identical output to @hpke/core (ekm) and to itself', async () => {
    const random = seededRandom('determinism');
    const { pk } = await coreKeyPair(random(48));
    const ikmE = random(48);
    const pt = random(32);
    const a = hpkeSealP384(pk, info, aad, pt, { ephemeralIkm: ikmE });
    const b = hpkeSealP384(pk, info, aad, pt, { ephemeralIkm: ikmE });
    expect(toHex(a.enc)).toBe(toHex(b.enc));
    expect(toHex(a.ciphertext)).toBe(toHex(b.ciphertext));
    const core = await suite.seal(
      {
        recipientPublicKey: (await suite.kem.deserializePublicKey(pk)) as CoreKey,
        info,
        ekm: ikmE,
      },
      pt,
      aad,
    );
    expect(toHex(a.enc)).toBe(toHex(new Uint8Array(core.enc)));
    expect(toHex(a.ciphertext)).toBe(toHex(new Uint8Array(core.ct)));
    const c = hpkeSealP384(pk, info, aad, pt, { random: seededRandom('other') });
    expect(toHex(c.enc)).not.toBe(toHex(a.enc));
  });

  it('property: random sizes, info, aad roundtrip both directions', async () => {
    const { sk, pk } = await coreKeyPair(seededRandom('prop')(48));
    const privateKey = (await suite.kem.deserializePrivateKey(sk)) as CoreKey;
    const publicKey = (await suite.kem.deserializePublicKey(pk)) as CoreKey;
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 64 }),
        async (pt, inf, ad) => {
          const s = hpkeSealP384(pk, inf, ad, pt);
          const o = await suite.open(
            { recipientKey: privateKey, enc: s.enc, info: inf },
            s.ciphertext,
            ad,
          );
          expect(toHex(new Uint8Array(o))).toBe(toHex(pt));
          const c = await suite.seal({ recipientPublicKey: publicKey, info: inf }, pt, ad);
          const p = hpkeOpenP384(sk, new Uint8Array(c.enc), inf, ad, new Uint8Array(c.ct));
          expect(p && toHex(p)).toBe(toHex(pt));
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('HPKE P-384 failures', () => {
  const random = seededRandom('failures');
  const recipient = hpkeDeriveKeyPairP384(random(48));
  const other = hpkeDeriveKeyPairP384(random(48));
  const pt = te('the file key, 32 bytes long!!!!!');
  const sealed = hpkeSealP384(recipient.publicKey, info, aad, pt, { random });

  it('opens with the right key', () => {
    expect(hpkeOpenP384(recipient.secretKey, sealed.enc, info, aad, sealed.ciphertext)).toEqual(pt);
  });

  it('wrong recipient key -> null', () => {
    expect(hpkeOpenP384(other.secretKey, sealed.enc, info, aad, sealed.ciphertext)).toBeNull();
  });

  it('wrong info or aad -> null', () => {
    expect(
      hpkeOpenP384(recipient.secretKey, sealed.enc, te('x'), aad, sealed.ciphertext),
    ).toBeNull();
    expect(
      hpkeOpenP384(recipient.secretKey, sealed.enc, info, te('x'), sealed.ciphertext),
    ).toBeNull();
  });

  it('every single-byte flip of the ciphertext -> null', () => {
    for (let i = 0; i < sealed.ciphertext.length; i++) {
      const ct = sealed.ciphertext.slice();
      ct[i] ^= 0x01;
      expect(hpkeOpenP384(recipient.secretKey, sealed.enc, info, aad, ct)).toBeNull();
    }
  });

  it('truncated or empty ciphertext -> null', () => {
    const ct = sealed.ciphertext;
    expect(hpkeOpenP384(recipient.secretKey, sealed.enc, info, aad, ct.subarray(0, -1))).toBeNull();
    expect(hpkeOpenP384(recipient.secretKey, sealed.enc, info, aad, ct.subarray(0, 15))).toBeNull();
    expect(hpkeOpenP384(recipient.secretKey, sealed.enc, info, aad, new Uint8Array(0))).toBeNull();
  });

  it('every single-byte flip of enc -> null (invalid point or AEAD failure), never a throw', () => {
    for (let i = 0; i < sealed.enc.length; i++) {
      const enc = sealed.enc.slice();
      enc[i] ^= 0x01;
      expect(hpkeOpenP384(recipient.secretKey, enc, info, aad, sealed.ciphertext)).toBeNull();
    }
  });

  it('malformed enc (compressed, wrong length, off-curve, infinity, empty) -> null', () => {
    const compressed = p384.Point.fromBytes(sealed.enc).toBytes(true);
    const offCurve = sealed.enc.slice();
    offCurve[96] ^= 0x01;
    for (const enc of [
      compressed,
      sealed.enc.subarray(0, 96),
      new Uint8Array([...sealed.enc, 0]),
      offCurve,
      new Uint8Array(97),
      new Uint8Array([0x04, ...new Uint8Array(96)]),
      new Uint8Array(0),
    ]) {
      expect(hpkeOpenP384(recipient.secretKey, enc, info, aad, sealed.ciphertext)).toBeNull();
    }
  });

  it('invalid recipient public key on seal -> E_ARGUMENT', () => {
    const bad = recipient.publicKey.slice();
    bad[96] ^= 0x01;
    expectCode(() => hpkeSealP384(bad, info, aad, pt), 'E_ARGUMENT');
    expectCode(() => hpkeSealP384(new Uint8Array(49), info, aad, pt), 'E_ARGUMENT');
    expectCode(() => hpkeSealP384(recipient.publicKey.subarray(1), info, aad, pt), 'E_ARGUMENT');
  });

  it('short ephemeralIkm -> E_ARGUMENT', () => {
    expectCode(
      () => hpkeSealP384(recipient.publicKey, info, aad, pt, { ephemeralIkm: new Uint8Array(47) }),
      'E_ARGUMENT',
    );
  });

  it('invalid recipient secret key on open -> E_ARGUMENT', () => {
    for (const sk of [new Uint8Array(48), new Uint8Array(48).fill(0xff), new Uint8Array(47)]) {
      expectCode(() => hpkeOpenP384(sk, sealed.enc, info, aad, sealed.ciphertext), 'E_ARGUMENT');
    }
  });
});

// Pinned outputs of @hpke/core 1.9.0 for the DataCrypt suite (see the JSON's "source").
interface CoreVector {
  name: string;
  ikmE: string;
  skEm: string;
  ikmR: string;
  skRm: string;
  pkRm: string;
  info: string;
  aad: string;
  pt: string;
  enc: string;
  ct: string;
}
const coreVectors = (
  JSON.parse(
    readFileSync(new URL('./vectors-standard/hpke-core-p384-base.json', import.meta.url), 'utf8'),
  ) as { cases: CoreVector[] }
).cases;

describe('HPKE P-384 pinned vectors (generated by @hpke/core)', () => {
  it.each(coreVectors.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = hpkeDeriveKeyPairP384(fromHex(c.ikmR));
    expect(toHex(r.secretKey)).toBe(c.skRm);
    expect(toHex(r.publicKey)).toBe(c.pkRm);
    expect(toHex(hpkeDeriveKeyPairP384(fromHex(c.ikmE)).secretKey)).toBe(c.skEm);
    const sealed = hpkeSealP384(fromHex(c.pkRm), fromHex(c.info), fromHex(c.aad), fromHex(c.pt), {
      ephemeralIkm: fromHex(c.ikmE),
    });
    expect(toHex(sealed.enc)).toBe(c.enc);
    expect(toHex(sealed.ciphertext)).toBe(c.ct);
    const opened = hpkeOpenP384(
      fromHex(c.skRm),
      fromHex(c.enc),
      fromHex(c.info),
      fromHex(c.aad),
      fromHex(c.ct),
    );
    expect(opened && toHex(opened)).toBe(c.pt);
  });
});

describe('HPKE P-384 ikm from RandomSource', () => {
  it('draws exactly 48 bytes from random', () => {
    let drawn = 0;
    const counting = (n: number): Uint8Array => {
      drawn += n;
      return seededRandom('count')(n);
    };
    const r = hpkeDeriveKeyPairP384(seededRandom('x')(48));
    hpkeSealP384(r.publicKey, info, aad, te('a'), { random: counting });
    expect(drawn).toBe(48);
  });
});
