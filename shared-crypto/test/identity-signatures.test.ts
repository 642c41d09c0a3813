import {
  createHash,
  createPublicKey,
  sign as nodeSign,
  verify as nodeVerify,
  createPrivateKey,
} from 'node:crypto';
import { p384 } from '@noble/curves/nist.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDataCryptError } from '../src/errors.js';
import type { ErrorCode } from '../src/errors.js';
import { encodeBase64Url, decodeBase64Url } from '../src/encoding/base64.js';
import { toHex } from '../src/encoding/bytes.js';
import {
  encodePublicIdentity,
  fingerprint,
  fingerprintBytes,
  generateIdentity,
  publicIdentityFromKeys,
  safetyNumber,
  signDetached,
  signKeyPublication,
  verifyDetached,
  verifyKeyPublication,
} from '../src/identity/index.js';
import type { KeyPublication, PublicIdentity, SecretIdentity } from '../src/identity/index.js';
import { seededRandom } from '../src/random.js';

/** Asserts that `fn` throws a DataCryptError with exactly `code` (and optionally a message match). */
export function expectCode(fn: () => unknown, code: ErrorCode, message?: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(isDataCryptError(thrown), `expected DataCryptError ${code}, got ${String(thrown)}`).toBe(
    true,
  );
  expect((thrown as { code: string }).code).toBe(code);
  if (message) expect((thrown as Error).message).toMatch(message);
}

const alice = generateIdentity(seededRandom('alice'));
const bob = generateIdentity(seededRandom('bob'));
const carol = generateIdentity(seededRandom('carol'));
const te = (s: string): Uint8Array => new TextEncoder().encode(s);
/** verifyKeyPublication as an expression (for expect/expectCode callbacks). */
const verifyPub = (p: KeyPublication): true => {
  verifyKeyPublication(p);
  return true;
};

// Regression vectors (computed once from seededRandom('alice') / ('bob') with this implementation,
// then hard-coded). Independent re-computations with node:crypto follow each.
const ALICE_FP = '3469 6ec5 22da 7942 a4a3 48b0 f763 9095 dc57 3f95 95cd dd52 f338 5630 c559 e9f9';
const BOB_FP = '9bc3 0c76 800f b689 63c2 c43c a661 4e51 081e f81a 4482 14d0 ca2d 3fd0 2615 d875';
const SAFETY = '02102 87145 14116 96169 37247 76468 90745 39570 66394 16300 04954 12845';
const SIG_HELLO =
  '231729a1a84e75563f9036d8117ab7223ceca0523cc0b30a9c4c6f118108780c3eee43d508aa75b4bbaa6aa56ffa23fc5004d6e9a655cd8e2b961204a0f31c56b3463c0b0ec064c730454afb2db9c67ed755aee3a14b4bd33856ee75f7f68e6c';
const PUBLICATION_SIG =
  'BxwFgitXiQ_NMXLEOWOZdwnUNQIRWR6-eh9CbvNnij-SUvHob1acsBAnmydyfEPlK1jQ7vY1a9mR-M7-A8x1oUbX4Jb3yTUlFYCXlr8nKcA0R_BlqcnzyzD0QQHeDS4k';

/** Independent safety-number half, straight from the SPEC text, on node:crypto. */
function referenceHalf(p: PublicIdentity): string {
  let h = createHash('sha512')
    .update('datacrypt/v1 safety number')
    .update(new Uint8Array([0]))
    .update(p.bytes)
    .digest();
  for (let k = 0; k < 5199; k++) h = createHash('sha512').update(h).update(p.bytes).digest();
  let out = '';
  for (let i = 0; i < 6; i++) out += String(h.readUIntBE(5 * i, 5) % 100000).padStart(5, '0');
  return out;
}

function nodeKey(p: PublicIdentity): ReturnType<typeof createPublicKey> {
  const u = p384.Point.fromBytes(p.signingKey).toBytes(false);
  return createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-384',
      x: encodeBase64Url(u.subarray(1, 49)),
      y: encodeBase64Url(u.subarray(49)),
    },
    format: 'jwk',
  });
}

describe('fingerprint', () => {
  it('regression vectors and independent SHA-256 check', () => {
    expect(fingerprint(alice.publicIdentity)).toBe(ALICE_FP);
    expect(fingerprint(encodePublicIdentity(bob.publicIdentity))).toBe(BOB_FP);
    const ref = createHash('sha256')
      .update('datacrypt/v1 fingerprint\0')
      .update(alice.publicIdentity.bytes)
      .digest('hex');
    expect(toHex(fingerprintBytes(alice.publicIdentity))).toBe(ref);
    expect(ALICE_FP.replace(/ /g, '')).toBe(ref);
    expect(ALICE_FP).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){15}$/);
  });

  it('invalid string -> E_IDENTITY', () => {
    expectCode(() => fingerprint('datacrypt1xyz'), 'E_IDENTITY');
  });
});

describe('safety number', () => {
  it('regression vector, layout, and independent recomputation', () => {
    const sn = safetyNumber(alice.publicIdentity, bob.publicIdentity);
    expect(sn.display).toBe(SAFETY);
    expect(sn.digits).toMatch(/^\d{60}$/);
    expect(sn.groups).toHaveLength(12);
    expect(sn.groups.join(' ')).toBe(sn.display);
    const halves = [referenceHalf(alice.publicIdentity), referenceHalf(bob.publicIdentity)].sort();
    expect(sn.digits).toBe(halves.join(''));
    const fps = [ALICE_FP, BOB_FP].map((f) => f.replace(/ /g, '')).sort();
    expect(sn.qrPayload).toBe(`datacrypt-safety-number:1:${fps[0]}:${fps[1]}`);
  });

  it('is symmetric and accepts strings', () => {
    const ab = safetyNumber(alice.publicIdentity, bob.publicIdentity);
    const ba = safetyNumber(encodePublicIdentity(bob.publicIdentity), alice.publicIdentity);
    expect(ba).toEqual(ab);
  });

  it('changes when either key of either identity changes', () => {
    const base = safetyNumber(alice.publicIdentity, bob.publicIdentity);
    const aliceNewEnc = publicIdentityFromKeys(
      carol.publicIdentity.encryptionKey,
      alice.publicIdentity.signingKey,
    );
    const aliceNewSig = publicIdentityFromKeys(
      alice.publicIdentity.encryptionKey,
      carol.publicIdentity.signingKey,
    );
    const bobNewSig = publicIdentityFromKeys(
      bob.publicIdentity.encryptionKey,
      carol.publicIdentity.signingKey,
    );
    for (const [a, b] of [
      [aliceNewEnc, bob.publicIdentity],
      [aliceNewSig, bob.publicIdentity],
      [alice.publicIdentity, bobNewSig],
      [alice.publicIdentity, carol.publicIdentity],
    ] as const) {
      const other = safetyNumber(a, b);
      expect(other.digits).not.toBe(base.digits);
      expect(other.qrPayload).not.toBe(base.qrPayload);
    }
  });

  it('one identity with itself is well-defined (two equal halves)', () => {
    const sn = safetyNumber(alice.publicIdentity, alice.publicIdentity);
    expect(sn.digits.slice(0, 30)).toBe(sn.digits.slice(30));
  });
});

describe('detached signatures', () => {
  const msg = te('hello');

  it('deterministic 96-byte low-S signature (regression vector)', () => {
    const sig = signDetached(alice, msg);
    expect(sig.length).toBe(96);
    expect(toHex(sig)).toBe(SIG_HELLO);
    expect(toHex(signDetached(alice, msg))).toBe(SIG_HELLO);
    const s = BigInt('0x' + SIG_HELLO.slice(96));
    expect(s <= p384.Point.Fn.ORDER / 2n).toBe(true);
  });

  it('verifies with node:crypto (ECDSA P-384 SHA-384, IEEE P1363 r||s)', () => {
    const sig = signDetached(alice, msg);
    expect(
      nodeVerify(
        'sha384',
        msg,
        { key: nodeKey(alice.publicIdentity), dsaEncoding: 'ieee-p1363' },
        sig,
      ),
    ).toBe(true);
  });

  it('verifies node:crypto signatures when low-S; rejects high-S twins', () => {
    const d = encodeBase64Url(alice.signingSecret);
    const u = p384.Point.fromBytes(alice.publicIdentity.signingKey).toBytes(false);
    const priv = createPrivateKey({
      key: {
        kty: 'EC',
        crv: 'P-384',
        d,
        x: encodeBase64Url(u.subarray(1, 49)),
        y: encodeBase64Url(u.subarray(49)),
      },
      format: 'jwk',
    });
    const n = p384.Point.Fn.ORDER;
    for (let i = 0; i < 8; i++) {
      const m = te(`message ${i}`);
      const sig = new Uint8Array(nodeSign('sha384', m, { key: priv, dsaEncoding: 'ieee-p1363' }));
      const s = BigInt('0x' + toHex(sig.subarray(48)));
      const low = s <= n / 2n ? s : n - s;
      const high = n - low;
      const lowSig = sig.slice();
      lowSig.set(p384.Point.Fn.toBytes(low), 48);
      const highSig = sig.slice();
      highSig.set(p384.Point.Fn.toBytes(high), 48);
      expect(verifyDetached(alice.publicIdentity, m, lowSig)).toBe(true);
      expect(verifyDetached(alice.publicIdentity, m, highSig)).toBe(false);
    }
  });

  it('fails for another message, another key, and any bit flip; never throws', () => {
    const sig = signDetached(alice, msg);
    expect(verifyDetached(alice.publicIdentity, te('hellp'), sig)).toBe(false);
    expect(verifyDetached(bob.publicIdentity, msg, sig)).toBe(false);
    for (let i = 0; i < 96; i += 7) {
      const bad = sig.slice();
      bad[i] ^= 0x80;
      expect(verifyDetached(alice.publicIdentity, msg, bad)).toBe(false);
    }
    for (const bad of [
      new Uint8Array(0),
      sig.subarray(0, 95),
      new Uint8Array([...sig, 0]),
      new Uint8Array(96),
      new Uint8Array(96).fill(0xff),
    ]) {
      expect(verifyDetached(alice.publicIdentity, msg, bad)).toBe(false);
    }
  });

  it('signing uses the signing key, not the encryption key', () => {
    const sig = signDetached(alice, msg);
    const encAsSigning = {
      ...alice.publicIdentity,
      signingKey: alice.publicIdentity.encryptionKey,
    };
    expect(verifyDetached(encAsSigning, msg, sig)).toBe(false);
  });
});

describe('key publication', () => {
  const createdAt = 1_790_000_000_000;
  const pub = signKeyPublication(alice, ' Alice@Example.com ', createdAt);

  it('regression vector, normalized email, and independent verification', () => {
    expect(pub).toEqual({
      v: 1,
      email: 'alice@example.com',
      publicIdentity: encodePublicIdentity(alice.publicIdentity),
      createdAt,
      signature: PUBLICATION_SIG,
    });
    expect(() => verifyPub(pub)).not.toThrow();
    // Rebuild the signed message from the SPEC text and verify with node:crypto.
    const email = Buffer.from('alice@example.com', 'utf8');
    const created = Buffer.alloc(8);
    created.writeBigUInt64BE(BigInt(createdAt));
    const len = Buffer.alloc(2);
    len.writeUInt16BE(email.length);
    const message = Buffer.concat([
      Buffer.from('datacrypt/v1 key publication\0'),
      len,
      email,
      created,
      alice.publicIdentity.bytes,
    ]);
    const sig = decodeBase64Url(pub.signature);
    expect(
      nodeVerify(
        'sha384',
        message,
        { key: nodeKey(alice.publicIdentity), dsaEncoding: 'ieee-p1363' },
        sig,
      ),
    ).toBe(true);
  });

  it('survives a JSON round trip', () => {
    expect(() => verifyPub(JSON.parse(JSON.stringify(pub)) as KeyPublication)).not.toThrow();
  });

  it('changed email / createdAt / identity / signature -> E_SIGNATURE', () => {
    const forged: KeyPublication[] = [
      { ...pub, email: 'mallory@example.com' },
      { ...pub, createdAt: createdAt + 1 },
      { ...pub, createdAt: 0 },
      { ...pub, publicIdentity: encodePublicIdentity(bob.publicIdentity) },
      {
        ...pub,
        signature: signKeyPublication(alice, 'alice@example.com', createdAt + 1).signature,
      },
      { ...pub, signature: signKeyPublication(bob, 'alice@example.com', createdAt).signature },
      { ...pub, signature: (pub.signature[0] === 'A' ? 'B' : 'A') + pub.signature.slice(1) },
    ];
    for (const p of forged) expectCode(() => verifyPub(p), 'E_SIGNATURE');
  });

  it('signature not exactly 96 bytes or not base64url -> E_SIGNATURE', () => {
    const raw = decodeBase64Url(pub.signature);
    for (const signature of [
      encodeBase64Url(raw.subarray(0, 95)),
      encodeBase64Url(new Uint8Array([...raw, 0])),
      encodeBase64Url(new Uint8Array(0)),
      pub.signature + '=',
      pub.signature.replace('_', '/'),
      pub.signature.slice(0, -1) + '!',
      Buffer.from(raw).toString('base64'),
    ]) {
      expectCode(() => verifyPub({ ...pub, signature }), 'E_SIGNATURE');
    }
    expectCode(() => verifyPub({ ...pub, signature: 42 as unknown as string }), 'E_SIGNATURE');
  });

  it('malformed fields -> E_ARGUMENT / E_IDENTITY', () => {
    const cast = (x: unknown): KeyPublication => x as KeyPublication;
    expectCode(() => verifyPub(cast(null)), 'E_ARGUMENT');
    expectCode(() => verifyPub(cast({ ...pub, v: 2 })), 'E_ARGUMENT');
    expectCode(() => verifyPub({ ...pub, email: 'Alice@example.com' }), 'E_ARGUMENT', /normalized/);
    expectCode(() => verifyPub({ ...pub, email: ' alice@example.com' }), 'E_ARGUMENT');
    expectCode(() => verifyPub({ ...pub, email: '' }), 'E_ARGUMENT');
    expectCode(() => verifyPub({ ...pub, email: 'no-at-sign' }), 'E_ARGUMENT');
    expectCode(() => verifyPub({ ...pub, createdAt: -1 }), 'E_ARGUMENT');
    expectCode(() => verifyPub({ ...pub, createdAt: 1.5 }), 'E_ARGUMENT');
    expectCode(() => verifyPub({ ...pub, createdAt: 2 ** 53 }), 'E_ARGUMENT');
    expectCode(() => verifyPub(cast({ ...pub, createdAt: '1' })), 'E_ARGUMENT');
    expectCode(() => verifyPub({ ...pub, publicIdentity: 'datacrypt1bad' }), 'E_IDENTITY');
    expectCode(
      () => verifyPub({ ...pub, publicIdentity: pub.publicIdentity.toUpperCase() }),
      'E_IDENTITY',
    );
    expectCode(() => verifyPub(cast({ ...pub, publicIdentity: null })), 'E_IDENTITY');
  });

  it('signing rejects bad email / createdAt with E_ARGUMENT', () => {
    for (const email of [
      '',
      '   ',
      'a@',
      '@b',
      'a@b@c',
      'a b@c',
      'x'.repeat(250) + '@b.cd',
      'a\u0000@b',
    ]) {
      expectCode(() => signKeyPublication(alice, email, createdAt), 'E_ARGUMENT');
    }
    for (const t of [-1, 0.5, Number.NaN, 2 ** 53, Infinity]) {
      expectCode(() => signKeyPublication(alice, 'a@b', t), 'E_ARGUMENT');
    }
    expect(() => signKeyPublication(alice, 'a@b', 0)).not.toThrow();
    expect(() => signKeyPublication(alice, 'a@b', 2 ** 53 - 1)).not.toThrow();
  });

  it('non-ASCII emails are signed as UTF-8 with their byte length', () => {
    const p = signKeyPublication(alice, 'JOSÉ@exämple.com', createdAt);
    expect(p.email).toBe('josé@exämple.com');
    expect(() => verifyPub(p)).not.toThrow();
  });
});

describe('signature properties (fast-check)', () => {
  const ids = new Map<string, SecretIdentity>();
  const identityFor = (seed: string): SecretIdentity => {
    let id = ids.get(seed);
    if (!id) {
      id = generateIdentity(seededRandom(seed));
      ids.set(seed, id);
    }
    return id;
  };

  it('sign/verify round-trips; another identity never verifies', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 8 }),
        fc.uint8Array({ maxLength: 256 }),
        (seed, message) => {
          const id = identityFor(seed);
          const sig = signDetached(id, message);
          expect(verifyDetached(id.publicIdentity, message, sig)).toBe(true);
          expect(verifyDetached(identityFor(seed + '!').publicIdentity, message, sig)).toBe(false);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('key publications verify for random identities, emails and times', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 8 }),
        fc.emailAddress().filter((e) => e.length <= 254),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        (seed, email, t) => {
          const p = signKeyPublication(identityFor(seed), email, t);
          verifyKeyPublication(p);
          expectCode(() => verifyPub({ ...p, createdAt: t === 0 ? 1 : t - 1 }), 'E_SIGNATURE');
        },
      ),
      { numRuns: 30 },
    );
  });

  it('safety number symmetric for random pairs', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), (a, b) => {
        const x = identityFor(a).publicIdentity;
        const y = identityFor(b).publicIdentity;
        expect(safetyNumber(x, y)).toEqual(safetyNumber(y, x));
      }),
      { numRuns: 10 },
    );
  });

  it('verifyDetached never throws on random signatures', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (sig) => {
        expect(verifyDetached(alice.publicIdentity, te('m'), sig)).toBe(false);
      }),
      { numRuns: 100 },
    );
    expect(isDataCryptError(new Error())).toBe(false);
  });
});
