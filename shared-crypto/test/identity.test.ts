import { createDecipheriv, scryptSync } from 'node:crypto';
import { p384 } from '@noble/curves/nist.js';
import { bech32m } from '@scure/base';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDataCryptError } from '../src/errors.js';
import type { ErrorCode } from '../src/errors.js';
import { encodeBase64, decodeBase64 } from '../src/encoding/base64.js';
import { encodeBech32m } from '../src/encoding/bech32m.js';
import { chunkString, concatBytes, fromHex, toHex } from '../src/encoding/bytes.js';
import {
  encodePublicIdentity,
  encodeSecretIdentity,
  encryptIdentityFile,
  formatIdentityFile,
  generateIdentity,
  isEncryptedIdentityFile,
  parseIdentityFile,
  parsePublicIdentity,
  parseSecretIdentity,
  publicIdentitiesEqual,
  publicIdentityFromBytes,
  secretIdentityFromBytes,
} from '../src/identity/index.js';
import type { SecretIdentity } from '../src/identity/index.js';
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

/** Async variant of expectCode. */
export async function expectCodeAsync(
  fn: () => Promise<unknown>,
  code: ErrorCode,
  message?: RegExp,
): Promise<void> {
  let thrown: unknown;
  try {
    await fn();
  } catch (e) {
    thrown = e;
  }
  expect(isDataCryptError(thrown), `expected DataCryptError ${code}, got ${String(thrown)}`).toBe(
    true,
  );
  expect((thrown as { code: string }).code).toBe(code);
  if (message) expect((thrown as Error).message).toMatch(message);
}

/** A 49-byte 0x02 || x whose x is a field element with no y on P-384 (not a curve point). */
export function offCurveCompressed(): Uint8Array {
  for (let x = 1; ; x++) {
    const bytes = new Uint8Array(49);
    bytes[0] = 0x02;
    bytes[48] = x;
    try {
      p384.Point.fromBytes(bytes);
    } catch {
      return bytes;
    }
  }
}

/** The P-384 group order n as 48 big-endian bytes. */
export function orderBytes(): Uint8Array {
  const hex = p384.Point.Fn.ORDER.toString(16).padStart(96, '0');
  return fromHex(hex);
}

// Regression vectors: computed once from seededRandom('alice') with this implementation, then
// hard-coded. They pin the encodings; the file-format checks below use node:crypto independently.
const ALICE_BYTES =
  '014891409ecc614763c8f9a5a9646472e1657a8774374744d7deb90a97b2b8020909429bb841589d28eabcdfc41cbcdea1928f7061f7ddadb3067c18c83099df0cecac30163bb96b7eea252ab2120523eef732613709824752f9d05e21f9eacc4d';
const ALICE_PUBLIC =
  'datacrypt1qyprzqpsfl5dnq5eenwhg05enqts2tm6auxkm452ces8ajz546vcqk0awsmxdqc7natsguz7m2ffhum4qvpx29wfmvqut6qrfcs2xztpjw2uh09e2hqn54nv8k0xr3v8dz68z70s42s63vvcuf3n359nq2x6yyckgkf02';
const ALICE_SECRET =
  'DATACRYPT-SECRET-KEY-1Q9YFZSY7E3S5WC7GLXJ6JERYWTSK2758WSM5W3XHM6US49AJHQPQJZ2ZNWUYZKYA9R4TEH7YRJ7DAGVJ3ACXRA7A4KESVLQCEQCFNHCVAJKRQ93MH94HA63992EPYPFRAMMNYCFHPXPYW5HE6P0ZR702E3XSNPM20W';
const ALICE_FILE =
  '# DataCrypt identity\n# created: 2026-11-23T15:00:00.000Z\n' +
  `# public identity: ${ALICE_PUBLIC}\n${ALICE_SECRET}\n`;
// encryptIdentityFile(alice, 'correct horse', { log2N: 10, random: seededRandom('enc') })
const ALICE_ENCRYPTED =
  '-----BEGIN DATACRYPT ENCRYPTED IDENTITY-----\n' +
  'RENSWVBUSUQBAQoIAVs0UwzF0Wqq1Vdv1HTnTPbgae8RoNXxOJpwc86i0hz6wf0m\n' +
  'm30sBWG7lInMry1bETerlHziIUEy2ybEtCW5Dem61LWf1o5UcEZ5ZBn+zk2DY36s\n' +
  'HSpnBwE4pdt8j1kOSMU4E3KHVoeVangq8jQtKHb6UKgR0sFUkcnlyyBiE66WaBSf\n' +
  'SIx8c+Ctiafzpw==\n' +
  '-----END DATACRYPT ENCRYPTED IDENTITY-----\n';
const PASS = 'correct horse';

const alice = generateIdentity(seededRandom('alice'));
const bob = generateIdentity(seededRandom('bob'));

/** Re-armors a binary encrypted identity (64 columns). */
function armor(bin: Uint8Array): string {
  const b64 = chunkString(encodeBase64(bin), 64).join('\n');
  return `-----BEGIN DATACRYPT ENCRYPTED IDENTITY-----\n${b64}\n-----END DATACRYPT ENCRYPTED IDENTITY-----\n`;
}
function dearmor(text: string): Uint8Array {
  return decodeBase64(text.trim().split('\n').slice(1, -1).join(''));
}

describe('identity generation', () => {
  it('is deterministic for a seeded random (regression vector)', () => {
    expect(toHex(alice.bytes)).toBe(ALICE_BYTES);
    expect(encodePublicIdentity(alice.publicIdentity)).toBe(ALICE_PUBLIC);
    expect(encodeSecretIdentity(alice)).toBe(ALICE_SECRET);
  });

  it('has the documented layout and two independent key pairs', () => {
    expect(alice.bytes.length).toBe(97);
    expect(alice.bytes[0]).toBe(1);
    expect(alice.publicIdentity.bytes.length).toBe(99);
    expect(alice.publicIdentity.bytes[0]).toBe(1);
    expect(toHex(alice.encryptionSecret)).toBe(toHex(alice.bytes.subarray(1, 49)));
    expect(toHex(alice.signingSecret)).toBe(toHex(alice.bytes.subarray(49, 97)));
    expect(toHex(alice.publicIdentity.encryptionKey)).toBe(
      toHex(p384.getPublicKey(alice.encryptionSecret, true)),
    );
    expect(toHex(alice.publicIdentity.signingKey)).toBe(
      toHex(p384.getPublicKey(alice.signingSecret, true)),
    );
    expect(toHex(alice.encryptionSecret)).not.toBe(toHex(alice.signingSecret));
    expect(toHex(alice.publicIdentity.bytes)).toBe(
      toHex(
        concatBytes(
          new Uint8Array([1]),
          alice.publicIdentity.encryptionKey,
          alice.publicIdentity.signingKey,
        ),
      ),
    );
  });

  it('rejection-samples: zero and >= n draws are skipped', () => {
    const draws = [new Uint8Array(48), orderBytes(), new Uint8Array(48).fill(0xff)];
    const rest = seededRandom('rest');
    const random = (n: number): Uint8Array => draws.shift() ?? rest(n);
    const id = generateIdentity(random);
    const again = seededRandom('rest');
    expect(toHex(id.encryptionSecret)).toBe(toHex(again(48)));
    expect(toHex(id.signingSecret)).toBe(toHex(again(48)));
  });

  it('a random source that never yields a valid scalar -> E_ARGUMENT', () => {
    expectCode(() => generateIdentity((n) => new Uint8Array(n)), 'E_ARGUMENT');
  });

  it('default uses the system CSPRNG (two identities differ)', () => {
    expect(toHex(generateIdentity().bytes)).not.toBe(toHex(generateIdentity().bytes));
  });
});

describe('public identity text form', () => {
  it('round-trips', () => {
    const p = parsePublicIdentity(ALICE_PUBLIC);
    expect(publicIdentitiesEqual(p, alice.publicIdentity)).toBe(true);
    expect(publicIdentitiesEqual(p, bob.publicIdentity)).toBe(false);
    expect(ALICE_PUBLIC.startsWith('datacrypt1')).toBe(true);
    expect(ALICE_PUBLIC.length).toBe(10 + 159 + 6);
  });

  it('wrong HRP -> E_IDENTITY', () => {
    const other = bech32m.encode('datacrypx', bech32m.toWords(alice.publicIdentity.bytes), false);
    expectCode(() => parsePublicIdentity(other), 'E_IDENTITY', /wrong prefix/);
    const age = bech32m.encode('age', bech32m.toWords(alice.publicIdentity.bytes), false);
    expectCode(() => parsePublicIdentity(age), 'E_IDENTITY', /wrong prefix/);
  });

  it('a secret key pasted as a public identity -> E_IDENTITY with a warning', () => {
    expectCode(() => parsePublicIdentity(ALICE_SECRET), 'E_IDENTITY', /SECRET key/);
  });

  it('every single flipped character -> E_IDENTITY (checksum or prefix)', () => {
    const alphabet = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
    for (let i = 0; i < ALICE_PUBLIC.length; i++) {
      const c = ALICE_PUBLIC[i];
      const replacement = alphabet[(alphabet.indexOf(c) + 1) % 32] ?? 'q';
      const flipped =
        ALICE_PUBLIC.slice(0, i) +
        (c === replacement ? 'p' : replacement) +
        ALICE_PUBLIC.slice(i + 1);
      expectCode(() => parsePublicIdentity(flipped), 'E_IDENTITY');
    }
    const i = 40;
    const c = ALICE_PUBLIC[i] === 'q' ? 'p' : 'q';
    expectCode(
      () => parsePublicIdentity(ALICE_PUBLIC.slice(0, i) + c + ALICE_PUBLIC.slice(i + 1)),
      'E_IDENTITY',
      /checksum/,
    );
  });

  it('truncated / extended -> E_IDENTITY', () => {
    expectCode(() => parsePublicIdentity(ALICE_PUBLIC.slice(0, -1)), 'E_IDENTITY', /checksum/);
    expectCode(() => parsePublicIdentity(ALICE_PUBLIC.slice(0, 12)), 'E_IDENTITY');
    expectCode(() => parsePublicIdentity('datacrypt1'), 'E_IDENTITY', /truncated/);
    expectCode(() => parsePublicIdentity(ALICE_PUBLIC + 'q'), 'E_IDENTITY', /checksum/);
    expectCode(() => parsePublicIdentity(''), 'E_IDENTITY', /separator/);
    // Valid checksum but wrong payload length.
    const short = encodeBech32m('datacrypt', alice.publicIdentity.bytes.subarray(0, 98), 'lower');
    expectCode(() => parsePublicIdentity(short), 'E_IDENTITY', /length/);
    const long = encodeBech32m(
      'datacrypt',
      concatBytes(alice.publicIdentity.bytes, new Uint8Array(1)),
      'lower',
    );
    expectCode(() => parsePublicIdentity(long), 'E_IDENTITY', /length/);
  });

  it('case: mixed -> E_IDENTITY; all-uppercase -> E_IDENTITY (canonical form is lowercase)', () => {
    const mixed = ALICE_PUBLIC.slice(0, 20) + ALICE_PUBLIC.slice(20).toUpperCase();
    expectCode(() => parsePublicIdentity(mixed), 'E_IDENTITY', /mixed/);
    expectCode(() => parsePublicIdentity(ALICE_PUBLIC.toUpperCase()), 'E_IDENTITY', /lowercase/);
  });

  it('invalid characters and whitespace -> E_IDENTITY', () => {
    expectCode(
      () => parsePublicIdentity(ALICE_PUBLIC.replace(/q(?=[^q]*$)/, 'b')),
      'E_IDENTITY',
      /character/,
    );
    expectCode(() => parsePublicIdentity(` ${ALICE_PUBLIC}`), 'E_IDENTITY');
    expectCode(() => parsePublicIdentity(`${ALICE_PUBLIC}\n`), 'E_IDENTITY');
  });

  it('version != 1 -> E_IDENTITY', () => {
    const bytes = alice.publicIdentity.bytes.slice();
    bytes[0] = 2;
    expectCode(
      () => parsePublicIdentity(encodeBech32m('datacrypt', bytes, 'lower')),
      'E_IDENTITY',
      /version/,
    );
    bytes[0] = 0;
    expectCode(() => publicIdentityFromBytes(bytes), 'E_IDENTITY', /version/);
  });

  it('invalid points -> E_IDENTITY', () => {
    const good = alice.publicIdentity;
    const cases: Uint8Array[] = [
      concatBytes(new Uint8Array([1]), offCurveCompressed(), good.signingKey),
      concatBytes(new Uint8Array([1]), good.encryptionKey, offCurveCompressed()),
      // x >= p
      concatBytes(new Uint8Array([1, 2]), new Uint8Array(48).fill(0xff), good.signingKey),
      // bad SEC1 prefixes, including the "identity" encoding 0x00 and uncompressed 0x04
      concatBytes(new Uint8Array([1, 0]), good.encryptionKey.subarray(1), good.signingKey),
      concatBytes(new Uint8Array([1, 4]), good.encryptionKey.subarray(1), good.signingKey),
      concatBytes(new Uint8Array([1]), good.encryptionKey, new Uint8Array(49)),
      // the same key twice
      concatBytes(new Uint8Array([1]), good.encryptionKey, good.encryptionKey),
    ];
    for (const bytes of cases) {
      expectCode(
        () => parsePublicIdentity(encodeBech32m('datacrypt', bytes, 'lower')),
        'E_IDENTITY',
      );
    }
  });
});

describe('secret identity text form', () => {
  it('round-trips', () => {
    const s = parseSecretIdentity(ALICE_SECRET);
    expect(toHex(s.bytes)).toBe(ALICE_BYTES);
    expect(publicIdentitiesEqual(s.publicIdentity, alice.publicIdentity)).toBe(true);
  });

  it('case rules: lowercase or mixed -> E_IDENTITY', () => {
    expectCode(() => parseSecretIdentity(ALICE_SECRET.toLowerCase()), 'E_IDENTITY', /uppercase/);
    const mixed = ALICE_SECRET.slice(0, 30) + ALICE_SECRET.slice(30).toLowerCase();
    expectCode(() => parseSecretIdentity(mixed), 'E_IDENTITY', /mixed/);
  });

  it('wrong HRP (a public identity) -> E_IDENTITY', () => {
    expectCode(() => parseSecretIdentity(ALICE_PUBLIC), 'E_IDENTITY', /prefix/);
    const other = encodeBech32m('age-secret-key-', alice.bytes, 'upper');
    expectCode(() => parseSecretIdentity(other), 'E_IDENTITY', /prefix/);
  });

  it('flipped character / truncation -> E_IDENTITY', () => {
    const i = 50;
    const c = ALICE_SECRET[i] === 'Q' ? 'P' : 'Q';
    expectCode(
      () => parseSecretIdentity(ALICE_SECRET.slice(0, i) + c + ALICE_SECRET.slice(i + 1)),
      'E_IDENTITY',
      /checksum/,
    );
    expectCode(() => parseSecretIdentity(ALICE_SECRET.slice(0, -3)), 'E_IDENTITY', /checksum/);
    const short = encodeBech32m('datacrypt-secret-key-', alice.bytes.subarray(0, 96), 'upper');
    expectCode(() => parseSecretIdentity(short), 'E_IDENTITY', /length/);
  });

  it('scalar 0, scalar = n, scalar > n, equal scalars, version != 1 -> E_IDENTITY', () => {
    const n = orderBytes();
    const sig = alice.signingSecret;
    const enc = alice.encryptionSecret;
    const bad = [
      concatBytes(new Uint8Array([1]), new Uint8Array(48), sig),
      concatBytes(new Uint8Array([1]), enc, new Uint8Array(48)),
      concatBytes(new Uint8Array([1]), n, sig),
      concatBytes(new Uint8Array([1]), enc, new Uint8Array(48).fill(0xff)),
      concatBytes(new Uint8Array([1]), enc, enc),
      concatBytes(new Uint8Array([2]), enc, sig),
    ];
    for (const bytes of bad) {
      expectCode(
        () => parseSecretIdentity(encodeBech32m('datacrypt-secret-key-', bytes, 'upper')),
        'E_IDENTITY',
      );
      expectCode(() => secretIdentityFromBytes(bytes), 'E_IDENTITY');
    }
    // n - 1 is the largest valid scalar.
    const nMinus1 = n.slice();
    nMinus1[47] -= 1;
    expect(
      secretIdentityFromBytes(concatBytes(new Uint8Array([1]), nMinus1, sig)).bytes.length,
    ).toBe(97);
  });
});

describe('plaintext identity file', () => {
  it('has the documented form (regression vector)', () => {
    expect(formatIdentityFile(alice, { created: new Date('2026-11-23T15:00:00.000Z') })).toBe(
      ALICE_FILE,
    );
    expect(formatIdentityFile(alice)).toMatch(/^# DataCrypt identity\n# created: \d{4}-\d\d-\d\dT/);
  });

  it('parses, ignoring comments, blank lines, CRLF and surrounding spaces', async () => {
    const parsed = await parseIdentityFile(ALICE_FILE);
    expect(toHex(parsed.bytes)).toBe(ALICE_BYTES);
    const messy = `\r\n# hello\r\n\r\n   ${ALICE_SECRET}  \r\n# trailing comment\r\n`;
    expect(toHex((await parseIdentityFile(messy)).bytes)).toBe(ALICE_BYTES);
    expect(isEncryptedIdentityFile(ALICE_FILE)).toBe(false);
  });

  it('no secret line / two secret lines -> E_IDENTITY', async () => {
    await expectCodeAsync(
      () => parseIdentityFile('# only comments\n\n'),
      'E_IDENTITY',
      /no DATACRYPT/,
    );
    await expectCodeAsync(() => parseIdentityFile(''), 'E_IDENTITY');
    const two = `${ALICE_FILE}${encodeSecretIdentity(bob)}\n`;
    await expectCodeAsync(() => parseIdentityFile(two), 'E_IDENTITY', /more than one/);
    const same = `${ALICE_FILE}${ALICE_SECRET}\n`;
    await expectCodeAsync(() => parseIdentityFile(same), 'E_IDENTITY', /more than one/);
  });

  it('mismatched "# public identity:" comment -> E_IDENTITY', async () => {
    const wrong = ALICE_FILE.replace(ALICE_PUBLIC, encodePublicIdentity(bob.publicIdentity));
    await expectCodeAsync(() => parseIdentityFile(wrong), 'E_IDENTITY', /does not match/);
    const garbage = ALICE_FILE.replace(ALICE_PUBLIC, 'datacrypt1nonsense');
    await expectCodeAsync(() => parseIdentityFile(garbage), 'E_IDENTITY', /does not match/);
  });

  it('an invalid secret line -> E_IDENTITY', async () => {
    await expectCodeAsync(
      () => parseIdentityFile(ALICE_FILE.replace(ALICE_SECRET, ALICE_SECRET.slice(0, -1))),
      'E_IDENTITY',
    );
    await expectCodeAsync(() => parseIdentityFile('hello world\n'), 'E_IDENTITY');
  });
});

describe('encrypted identity file', () => {
  it('has the documented form (regression vector) and decrypts', async () => {
    const text = await encryptIdentityFile(alice, PASS, { log2N: 10, random: seededRandom('enc') });
    expect(text).toBe(ALICE_ENCRYPTED);
    expect(isEncryptedIdentityFile(text)).toBe(true);
    expect(isEncryptedIdentityFile(`\n  ${text}`)).toBe(true);
    const parsed = await parseIdentityFile(text, PASS);
    expect(toHex(parsed.bytes)).toBe(ALICE_BYTES);
  });

  it('binary layout decrypts with node:crypto scrypt + AES-256-GCM (independent check)', () => {
    const bin = dearmor(ALICE_ENCRYPTED);
    expect(bin.length).toBe(154);
    expect(new TextDecoder().decode(bin.subarray(0, 8))).toBe('DCRYPTID');
    expect([...bin.subarray(8, 13)]).toEqual([1, 1, 10, 8, 1]);
    const salt = bin.subarray(13, 29);
    const nonce = bin.subarray(29, 41);
    const key = scryptSync(PASS.normalize('NFC'), salt, 32, { N: 1024, r: 8, p: 1 });
    const d = createDecipheriv('aes-256-gcm', key, nonce);
    d.setAAD(bin.subarray(0, 41));
    d.setAuthTag(bin.subarray(41 + 97));
    const pt = Buffer.concat([d.update(bin.subarray(41, 41 + 97)), d.final()]);
    expect(toHex(pt)).toBe(ALICE_BYTES);
  });

  it('defaults: log2N 17, r 8, p 1', async () => {
    const text = await encryptIdentityFile(alice, 'x');
    expect([...dearmor(text).subarray(8, 13)]).toEqual([1, 1, 17, 8, 1]);
    const lines = text.split('\n');
    expect(lines.slice(1, -3).every((l) => l.length === 64)).toBe(true);
  });

  it('passphrase is NFC-normalized', async () => {
    const composed = 'caf\u00e9';
    const decomposed = 'cafe\u0301';
    const text = await encryptIdentityFile(alice, composed, { log2N: 10 });
    expect(toHex((await parseIdentityFile(text, decomposed)).bytes)).toBe(ALICE_BYTES);
  });

  it('wrong passphrase -> E_PASSPHRASE; missing -> E_PASSPHRASE; empty -> E_ARGUMENT', async () => {
    await expectCodeAsync(() => parseIdentityFile(ALICE_ENCRYPTED, 'wrong'), 'E_PASSPHRASE');
    await expectCodeAsync(
      () => parseIdentityFile(ALICE_ENCRYPTED),
      'E_PASSPHRASE',
      /passphrase is needed/,
    );
    await expectCodeAsync(() => parseIdentityFile(ALICE_ENCRYPTED, ''), 'E_ARGUMENT');
    await expectCodeAsync(() => encryptIdentityFile(alice, ''), 'E_ARGUMENT');
  });

  it('out-of-range KDF params on encrypt -> E_ARGUMENT', async () => {
    for (const opts of [
      { log2N: 9 },
      { log2N: 23 },
      { r: 0 },
      { r: 33 },
      { p: 0 },
      { p: 17 },
      { log2N: 10.5 },
      { log2N: 21, r: 8 },
    ]) {
      await expectCodeAsync(() => encryptIdentityFile(alice, PASS, opts), 'E_ARGUMENT');
    }
  });

  const bin = dearmor(ALICE_ENCRYPTED);
  const withByte = (i: number, value: number): string => {
    const b = bin.slice();
    b[i] = value;
    return armor(b);
  };

  it('wrong magic, version, KDF id -> E_IDENTITY', async () => {
    await expectCodeAsync(() => parseIdentityFile(withByte(0, 0x45), PASS), 'E_IDENTITY', /magic/);
    await expectCodeAsync(() => parseIdentityFile(withByte(8, 2), PASS), 'E_IDENTITY', /version/);
    await expectCodeAsync(() => parseIdentityFile(withByte(9, 2), PASS), 'E_IDENTITY', /KDF/);
  });

  it('out-of-range KDF params in the file -> E_IDENTITY (before any scrypt work)', async () => {
    const bad: [number, number][] = [
      [10, 9],
      [10, 23],
      [10, 255],
      [11, 0],
      [11, 33],
      [12, 0],
      [12, 17],
    ];
    for (const [i, value] of bad) {
      await expectCodeAsync(
        () => parseIdentityFile(withByte(i, value), PASS),
        'E_IDENTITY',
        /not in/,
      );
    }
    // In range individually but over the memory (128 r N <= 2^30) or work (N r p <= 2^25) bound.
    const b = bin.slice();
    b[10] = 22;
    b[11] = 32;
    await expectCodeAsync(() => parseIdentityFile(armor(b), PASS), 'E_IDENTITY', /memory/);
    b[10] = 20;
    b[11] = 8;
    b[12] = 16;
    await expectCodeAsync(() => parseIdentityFile(armor(b), PASS), 'E_IDENTITY', /work/);
  });

  it('any modified header or ciphertext byte -> E_PASSPHRASE (AEAD)', async () => {
    for (const i of [13, 28, 29, 40, 41, 100, 153]) {
      await expectCodeAsync(() => parseIdentityFile(withByte(i, bin[i] ^ 1), PASS), 'E_PASSPHRASE');
    }
  });

  it('truncated / extended binary -> E_IDENTITY', async () => {
    await expectCodeAsync(
      () => parseIdentityFile(armor(bin.subarray(0, 153)), PASS),
      'E_IDENTITY',
      /truncated/,
    );
    await expectCodeAsync(
      () => parseIdentityFile(armor(bin.subarray(0, 41)), PASS),
      'E_IDENTITY',
      /truncated/,
    );
    await expectCodeAsync(
      () => parseIdentityFile(armor(bin.subarray(0, 20)), PASS),
      'E_IDENTITY',
      /truncated/,
    );
    await expectCodeAsync(
      () => parseIdentityFile(armor(concatBytes(bin, new Uint8Array(1))), PASS),
      'E_IDENTITY',
      /trailing/,
    );
  });

  it('bad armor or base64 -> E_IDENTITY', async () => {
    const lines = ALICE_ENCRYPTED.trimEnd().split('\n');
    const variants = [
      ALICE_ENCRYPTED.replace('RENSWVBU', 'RENSWV!U'), // invalid character
      ALICE_ENCRYPTED.replace('Ctiafzpw==', 'Ctiafzpw='), // bad padding
      ALICE_ENCRYPTED.replace('Ctiafzpw==', 'Ctiafzpx=='), // non-canonical final bits
      [lines[0], lines[1].slice(0, 60), lines[1].slice(60) + lines[2], ...lines.slice(3)].join(
        '\n',
      ), // wrong wrap
      [lines[0], ...lines.slice(1, -1)].join('\n'), // no END line
      lines.slice(0, 1).concat(lines.slice(-1)).join('\n'), // no body
      ALICE_ENCRYPTED.replace(
        '-----END DATACRYPT ENCRYPTED IDENTITY-----',
        '-----END DATACRYPT IDENTITY-----',
      ),
      `${ALICE_ENCRYPTED}garbage\n`,
    ];
    for (const text of variants) {
      await expectCodeAsync(() => parseIdentityFile(text, PASS), 'E_IDENTITY');
    }
  });

  it('accepts CRLF line endings and surrounding whitespace', async () => {
    const crlf = `\n${ALICE_ENCRYPTED.replace(/\n/g, '\r\n')}  \n`;
    expect(toHex((await parseIdentityFile(crlf, PASS)).bytes)).toBe(ALICE_BYTES);
  });
});

describe('identity properties (fast-check)', () => {
  it('generate -> encode -> parse round-trips for random seeds', () => {
    fc.assert(
      fc.property(fc.string(), (seed) => {
        const id: SecretIdentity = generateIdentity(seededRandom(seed));
        const s = parseSecretIdentity(encodeSecretIdentity(id));
        expect(toHex(s.bytes)).toBe(toHex(id.bytes));
        const p = parsePublicIdentity(encodePublicIdentity(id.publicIdentity));
        expect(publicIdentitiesEqual(p, id.publicIdentity)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('plaintext identity files round-trip for random seeds and dates', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string(),
        fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }),
        async (seed, created) => {
          const id = generateIdentity(seededRandom(seed));
          const parsed = await parseIdentityFile(formatIdentityFile(id, { created }));
          expect(toHex(parsed.bytes)).toBe(toHex(id.bytes));
        },
      ),
      { numRuns: 20 },
    );
  });

  it('random strings never crash the parsers (E_IDENTITY only)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        for (const parse of [parsePublicIdentity, parseSecretIdentity]) {
          try {
            parse(s);
          } catch (e) {
            expect(isDataCryptError(e, 'E_IDENTITY')).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
