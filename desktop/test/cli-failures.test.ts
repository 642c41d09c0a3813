import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { headerLengthFromPrefix } from '@datacrypt/shared-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  failureCode,
  listTree,
  makeIdentity,
  patternBytes,
  run,
  workspace,
  type TestIdentity,
} from './helpers/cli.js';

let dir: string;
let cleanup: () => Promise<void>;
let alice: TestIdentity;
let bob: TestIdentity;
let mallory: TestIdentity;
let ciphertext: Buffer;
const plain = patternBytes(200_000, 11);

beforeAll(async () => {
  ({ dir, cleanup } = await workspace());
  [alice, bob, mallory] = await Promise.all([
    makeIdentity(dir, 'alice'),
    makeIdentity(dir, 'bob'),
    makeIdentity(dir, 'mallory'),
  ]);
  await writeFile(join(dir, 'plain.bin'), plain);
  const enc = await run(
    ['encrypt', '-i', alice.key, '-r', bob.pub, '-o', 'good.dcrypt', 'plain.bin'],
    { cwd: dir },
  );
  if (enc.status !== 0) throw new Error(enc.stderr);
  ciphertext = await readFile(join(dir, 'good.dcrypt'));
});
afterAll(() => cleanup());

/** Decrypts `file` as bob into `out`, expecting failure with `code`, and that nothing is left. */
async function expectDecryptFailure(
  file: string,
  code: string,
  extra: string[] = [],
): Promise<void> {
  const before = await listTree(dir);
  const out = `out-${code}-${Math.random().toString(16).slice(2)}`;
  const toFile = await run(['decrypt', '-i', bob.key, ...extra, '-o', out, file], { cwd: dir });
  expect(toFile.status).toBe(1);
  expect(failureCode(toFile)).toBe(code);
  expect(toFile.stdout.length).toBe(0);
  const toStdout = await run(['decrypt', '-i', bob.key, ...extra, file], { cwd: dir });
  expect(toStdout.status).toBe(1);
  expect(failureCode(toStdout)).toBe(code);
  expect(toStdout.stdout.length).toBe(0); // no plaintext before verification
  expect(await listTree(dir)).toEqual(before); // no output, no partial file, no temp folder
}

describe('datacrypt decrypt failures', () => {
  it('--from another sender fails with E_SIGNATURE and leaves no output', async () => {
    await expectDecryptFailure('good.dcrypt', 'E_SIGNATURE', ['--from', mallory.pub]);
  });

  it('a file forged by a co-recipient is refused when the real sender is pinned', async () => {
    // Mallory (not alice) encrypts to bob; bob expects alice.
    const forged = await run(
      ['encrypt', '-i', mallory.key, '-r', bob.pub, '-o', 'forged.dcrypt', 'plain.bin'],
      {
        cwd: dir,
      },
    );
    expect(forged.status).toBe(0);
    await expectDecryptFailure('forged.dcrypt', 'E_SIGNATURE', ['--from', alice.pub]);
    const unpinned = await run(['decrypt', '-i', bob.key, 'forged.dcrypt'], { cwd: dir });
    expect(unpinned.status).toBe(0);
    expect(unpinned.stderr).toContain(`Sender fingerprint: ${mallory.fingerprint}`);
  });

  it('a wrong identity fails with E_NOT_RECIPIENT', async () => {
    const result = await run(['decrypt', '-i', mallory.key, '-o', 'nope', 'good.dcrypt'], {
      cwd: dir,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'datacrypt: E_NOT_RECIPIENT: this identity is not a recipient of the file\n',
    );
  });

  it('a modified payload byte fails with E_CHUNK_AUTH', async () => {
    const tampered = Buffer.from(ciphertext);
    const at = Math.floor(tampered.length / 2);
    tampered[at] = (tampered[at] ?? 0) ^ 0x01;
    await writeFile(join(dir, 'tampered.dcrypt'), tampered);
    await expectDecryptFailure('tampered.dcrypt', 'E_CHUNK_AUTH');
  });

  it('a modified header MAC fails with E_HEADER_MAC', async () => {
    const headerLength = headerLengthFromPrefix(ciphertext.subarray(0, 64), true);
    expect(headerLength).toBeGreaterThan(0);
    const tampered = Buffer.from(ciphertext);
    const at = (headerLength ?? 1) - 1; // last byte of the header: inside its MAC
    tampered[at] = (tampered[at] ?? 0) ^ 0x80;
    await writeFile(join(dir, 'header.dcrypt'), tampered);
    await expectDecryptFailure('header.dcrypt', 'E_HEADER_MAC');
  });

  it('a truncated file fails with E_TRUNCATED', async () => {
    await writeFile(
      join(dir, 'truncated.dcrypt'),
      ciphertext.subarray(0, Math.floor(ciphertext.length / 2)),
    );
    await expectDecryptFailure('truncated.dcrypt', 'E_TRUNCATED');
    const piped = await run(['decrypt', '-i', bob.key], {
      cwd: dir,
      input: ciphertext.subarray(0, 1000),
    });
    expect(failureCode(piped)).toBe('E_TRUNCATED');
  });

  it('something that is not a DataCrypt file fails with E_FORMAT', async () => {
    await writeFile(join(dir, 'not.dcrypt'), 'just some text, not ciphertext\n'.repeat(10));
    await expectDecryptFailure('not.dcrypt', 'E_FORMAT');
  });

  it('an existing output fails with E_OUTPUT_EXISTS and is left untouched', async () => {
    await writeFile(join(dir, 'exists.txt'), 'keep me');
    const dec = await run(['decrypt', '-i', bob.key, '-o', 'exists.txt', 'good.dcrypt'], {
      cwd: dir,
    });
    expect(dec.status).toBe(1);
    expect(failureCode(dec)).toBe('E_OUTPUT_EXISTS');
    expect(await readFile(join(dir, 'exists.txt'), 'utf8')).toBe('keep me');
    const enc = await run(
      ['encrypt', '-i', alice.key, '-r', bob.pub, '-o', 'exists.txt', 'plain.bin'],
      { cwd: dir },
    );
    expect(enc.status).toBe(1);
    expect(failureCode(enc)).toBe('E_OUTPUT_EXISTS');
    expect(await readFile(join(dir, 'exists.txt'), 'utf8')).toBe('keep me');
  });

  it('a missing input fails with E_IO', async () => {
    const dec = await run(['decrypt', '-i', bob.key, 'missing.dcrypt'], { cwd: dir });
    expect(failureCode(dec)).toBe('E_IO');
    const enc = await run(
      ['encrypt', '-i', alice.key, '-r', bob.pub, '-o', 'x.dcrypt', 'missing.bin'],
      { cwd: dir },
    );
    expect(failureCode(enc)).toBe('E_IO');
  });

  it('bad public identity strings fail with E_IDENTITY', async () => {
    const cases: string[][] = [
      ['encrypt', '-i', alice.key, '-r', 'datacrypt1notvalid', '-o', 'bad.dcrypt', 'plain.bin'],
      [
        'encrypt',
        '-i',
        alice.key,
        '-r',
        // A different last character breaks the Bech32m checksum (1 in 32 keys ends in 'q').
        `${bob.pub.slice(0, -1)}${bob.pub.endsWith('q') ? 'p' : 'q'}`,
        '-o',
        'bad.dcrypt',
        'plain.bin',
      ],
      ['decrypt', '-i', bob.key, '--from', 'hello', 'good.dcrypt'],
    ];
    for (const args of cases) {
      const result = await run(args, { cwd: dir });
      expect(result.status, args.join(' ')).toBe(1);
      expect(failureCode(result), args.join(' ')).toBe('E_IDENTITY');
    }
    const secret = (await readFile(bob.key, 'utf8'))
      .split('\n')
      .find((l) => l.startsWith('DATACRYPT-SECRET-KEY-1'));
    const pasted = await run(
      ['encrypt', '-i', alice.key, '-r', secret ?? '', '-o', 'bad.dcrypt', 'plain.bin'],
      {
        cwd: dir,
      },
    );
    expect(failureCode(pasted)).toBe('E_IDENTITY');
    expect(pasted.stderr).toContain('SECRET');
    expect(pasted.stderr).not.toContain(secret ?? 'unreachable');
    await writeFile(join(dir, 'bad-recipients.txt'), `${bob.pub}\n# ok\nnot-a-key\n`);
    const file = await run(
      ['encrypt', '-i', alice.key, '-R', 'bad-recipients.txt', '-o', 'bad.dcrypt', 'plain.bin'],
      {
        cwd: dir,
      },
    );
    expect(failureCode(file)).toBe('E_IDENTITY');
    expect(file.stderr).toContain('bad-recipients.txt line 3');
  });

  it('usage mistakes fail with E_USAGE and exit status 2', async () => {
    const cases: string[][] = [
      [],
      ['frobnicate'],
      ['--bogus'],
      ['help', 'frobnicate'],
      ['encrypt', '-r', bob.pub, 'plain.bin'], // no -i
      ['encrypt', '-i', alice.key, 'plain.bin'], // no recipient
      ['encrypt', '-i', alice.key, '-r', bob.pub, '--bogus', 'plain.bin'],
      ['encrypt', '-i', alice.key, '-r', bob.pub, '--chunk-log2', '9', 'plain.bin'],
      ['encrypt', '-i', alice.key, '-r', bob.pub, '--chunk-log2', '25', 'plain.bin'],
      ['encrypt', '-i', alice.key, '-r', bob.pub, '-o', 'a', '-o', 'b', 'plain.bin'],
      ['encrypt', '-i', alice.key, '-r', bob.pub, '--name', 'x', 'plain.bin'],
      ['encrypt', '-i', alice.key, '-r', bob.pub, '-', 'plain.bin'],
      ['encrypt', '-i', alice.key, '-r'],
      ['encrypt', '-i', alice.key, '-r', bob.pub, '--pad=yes', 'plain.bin'],
      [
        'encrypt',
        '-i',
        alice.key,
        '-r',
        bob.pub,
        '--passphrase-file',
        'x',
        '--passphrase-env',
        'Y',
        'plain.bin',
      ],
      ['decrypt', '--from', bob.pub, 'good.dcrypt'], // --from needs -i (no -i: profile keys)
      ['decrypt', '-i', bob.key, 'good.dcrypt', 'extra'],
      ['decrypt', '-i', '-', 'good.dcrypt'],
      ['pubkey', '-i', bob.key, 'extra'],
    ];
    for (const args of cases) {
      const result = await run(args, { cwd: dir });
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stdout.length, args.join(' ')).toBe(0);
      expect(args.length === 0 ? 'E_USAGE' : failureCode(result), args.join(' ')).toBe('E_USAGE');
    }
  });

  it('prints no stack trace unless DATACRYPT_DEBUG=1', async () => {
    const quiet = await run(['decrypt', '-i', mallory.key, 'good.dcrypt'], { cwd: dir });
    expect(quiet.stderr).not.toMatch(/\n\s+at /u);
    const debug = await run(['decrypt', '-i', mallory.key, 'good.dcrypt'], {
      cwd: dir,
      env: { DATACRYPT_DEBUG: '1' },
    });
    expect(debug.status).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /u);
    expect(debug.stderr.trimEnd().split('\n').at(-1)).toBe(
      'datacrypt: E_NOT_RECIPIENT: this identity is not a recipient of the file',
    );
  });
});
