import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
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
let carol: TestIdentity;
const big = patternBytes(300_000, 7); // several 64 KiB chunks

beforeAll(async () => {
  ({ dir, cleanup } = await workspace());
  [alice, bob, carol] = await Promise.all([
    makeIdentity(dir, 'alice'),
    makeIdentity(dir, 'bob'),
    makeIdentity(dir, 'carol'),
  ]);
  await writeFile(join(dir, 'big.bin'), big);
  await writeFile(join(dir, 'empty.bin'), '');
  await mkdir(join(dir, 'album', 'nested', 'deeper'), { recursive: true });
  await mkdir(join(dir, 'album', 'empty-folder'));
  await writeFile(join(dir, 'album', 'a.txt'), 'first file\n');
  await writeFile(join(dir, 'album', 'nested', 'b.bin'), patternBytes(70_000, 3));
  await writeFile(join(dir, 'album', 'nested', 'deeper', 'c.txt'), 'third\n');
});
afterAll(() => cleanup());

function encryptArgs(...rest: string[]): string[] {
  return ['encrypt', '-i', alice.key, '-r', bob.pub, ...rest];
}

async function expectNoTempLeft(): Promise<void> {
  expect(await listTree(join(dir, 'tmp'))).toEqual([]);
}

describe('datacrypt encrypt / decrypt round trips', () => {
  it('file -> file, verifying the sender with --from', async () => {
    const enc = await run(encryptArgs('-o', 'big.dcrypt', 'big.bin'), { cwd: dir });
    expect(enc.status).toBe(0);
    expect(enc.stderr).toBe(''); // stderr is not a terminal: no progress output
    expect(enc.stdout.length).toBe(0);
    const ciphertext = await readFile(join(dir, 'big.dcrypt'));
    expect(ciphertext.length).toBeGreaterThan(big.length);
    expect(ciphertext.includes(big.subarray(1000, 1064))).toBe(false);

    const dec = await run(
      ['decrypt', '-i', bob.key, '--from', alice.pub, '-o', 'big.out', 'big.dcrypt'],
      {
        cwd: dir,
      },
    );
    expect(dec.status).toBe(0);
    expect(await readFile(join(dir, 'big.out'))).toEqual(big);
    expect(dec.stderr).toContain(`Sender fingerprint: ${alice.fingerprint} (matches --from)`);
  });

  it('file -> stdout, after verification, leaving nothing in TMPDIR', async () => {
    await run(encryptArgs('-o', 'small.dcrypt', 'album/a.txt'), { cwd: dir });
    const dec = await run(['decrypt', '-i', bob.key, 'small.dcrypt'], { cwd: dir });
    expect(dec.status).toBe(0);
    expect(dec.stdout.toString('utf8')).toBe('first file\n');
    expect(dec.stderr).toContain(`Sender fingerprint: ${alice.fingerprint} (not checked`);
    await expectNoTempLeft();
  });

  it('-o DIR/ (trailing slash) extracts even a single file into the folder', async () => {
    await run(encryptArgs('-o', 'single.dcrypt', 'album/a.txt'), { cwd: dir });
    const dec = await run(['decrypt', '-i', bob.key, '-o', 'into/', 'single.dcrypt'], { cwd: dir });
    expect(dec.status).toBe(0);
    expect(await readFile(join(dir, 'into', 'a.txt'), 'utf8')).toBe('first file\n');
  });

  it('stdin (pipe) -> stdout -> stdin -> stdout', async () => {
    const enc = await run(encryptArgs(), { cwd: dir, input: big });
    expect(enc.status).toBe(0);
    const dec = await run(['decrypt', '-i', bob.key, '--from', alice.pub], {
      cwd: dir,
      input: enc.stdout,
    });
    expect(dec.status).toBe(0);
    expect(dec.stdout).toEqual(big);
    await expectNoTempLeft();
  });

  it('stdin as a redirected regular file, and "-" for stdin and stdout', async () => {
    const enc = await run(encryptArgs('-o', '-', '-'), {
      cwd: dir,
      stdinFile: join(dir, 'big.bin'),
    });
    expect(enc.status).toBe(0);
    await writeFile(join(dir, 'redirected.dcrypt'), enc.stdout);
    const dec = await run(['decrypt', '-i', bob.key, '-o', '-', '-'], {
      cwd: dir,
      stdinFile: join(dir, 'redirected.dcrypt'),
    });
    expect(dec.status).toBe(0);
    expect(dec.stdout).toEqual(big);
  });

  it('stdin -> file with --name, decrypted to a file', async () => {
    const enc = await run(encryptArgs('--name', 'notes.txt', '-o', 'named.dcrypt'), {
      cwd: dir,
      input: 'piped text\n',
    });
    expect(enc.status).toBe(0);
    const dec = await run(['decrypt', '-i', bob.key, '-o', 'named.txt', 'named.dcrypt'], {
      cwd: dir,
    });
    expect(dec.status).toBe(0);
    expect(await readFile(join(dir, 'named.txt'), 'utf8')).toBe('piped text\n');
  });

  it('empty input, from a file and from stdin', async () => {
    const enc = await run(encryptArgs('-o', 'empty.dcrypt', 'empty.bin'), { cwd: dir });
    expect(enc.status).toBe(0);
    const dec = await run(['decrypt', '-i', bob.key, 'empty.dcrypt'], { cwd: dir });
    expect(dec.status).toBe(0);
    expect(dec.stdout.length).toBe(0);
    const piped = await run(encryptArgs(), { cwd: dir, input: '' });
    expect(piped.status).toBe(0);
    const back = await run(['decrypt', '-i', bob.key], { cwd: dir, input: piped.stdout });
    expect(back.status).toBe(0);
    expect(back.stdout.length).toBe(0);
  });

  it('a folder and a file -> one transfer -> extracted into a folder, byte for byte', async () => {
    const enc = await run(encryptArgs('-o', 'album.dcrypt', 'album', 'big.bin'), { cwd: dir });
    expect(enc.status).toBe(0);
    const dec = await run(
      ['decrypt', '-i', bob.key, '--from', alice.pub, '-o', 'restored', 'album.dcrypt'],
      {
        cwd: dir,
      },
    );
    expect(dec.status).toBe(0);
    expect(await listTree(join(dir, 'restored'))).toEqual(
      [
        'album',
        'album/a.txt',
        'album/empty-folder',
        'album/nested',
        'album/nested/b.bin',
        'album/nested/deeper',
        'album/nested/deeper/c.txt',
        'big.bin',
      ].map((p) => p.split('/').join(sep)),
    );
    for (const file of [
      'album/a.txt',
      'album/nested/b.bin',
      'album/nested/deeper/c.txt',
      'big.bin',
    ]) {
      const original = file === 'big.bin' ? join(dir, 'big.bin') : join(dir, file);
      expect(await readFile(join(dir, 'restored', file)), file).toEqual(await readFile(original));
    }
    expect(dec.stderr).toContain('matches --from');
  });

  it('a folder transfer to stdout fails with E_USAGE asking for -o DIR, leaving nothing', async () => {
    await run(encryptArgs('-o', 'album2.dcrypt', 'album'), { cwd: dir });
    const dec = await run(['decrypt', '-i', bob.key, 'album2.dcrypt'], { cwd: dir });
    expect(dec.status).toBe(2);
    expect(failureCode(dec)).toBe('E_USAGE');
    expect(dec.stderr).toContain('-o DIR');
    expect(dec.stdout.length).toBe(0);
    await expectNoTempLeft();
  });

  it('a folder transfer can be written to stdout as ciphertext and read back from stdin', async () => {
    const enc = await run(encryptArgs('album'), { cwd: dir });
    expect(enc.status).toBe(0);
    const dec = await run(['decrypt', '-i', bob.key, '-o', 'from-stdin'], {
      cwd: dir,
      input: enc.stdout,
    });
    expect(dec.status).toBe(0);
    expect(
      await readFile(join(dir, 'from-stdin', 'album', 'nested', 'deeper', 'c.txt'), 'utf8'),
    ).toBe('third\n');
  });

  it('several recipients (-r and -R) can each decrypt; others cannot', async () => {
    await writeFile(join(dir, 'team.txt'), `# the team\n\n${carol.pub}\n`);
    const enc = await run(
      [
        'encrypt',
        '-i',
        alice.key,
        '-r',
        bob.pub,
        '-R',
        'team.txt',
        '-r',
        alice.pub,
        '-o',
        'team.dcrypt',
        'big.bin',
      ],
      { cwd: dir },
    );
    expect(enc.status).toBe(0);
    for (const [name, id] of [
      ['bob', bob],
      ['carol', carol],
      ['alice', alice],
    ] as const) {
      const dec = await run(['decrypt', '-i', id.key, '--from', alice.pub, 'team.dcrypt'], {
        cwd: dir,
      });
      expect(dec.status, name).toBe(0);
      expect(dec.stdout).toEqual(big);
    }
    const only = await run(encryptArgs('-o', 'bob-only.dcrypt', 'big.bin'), { cwd: dir });
    expect(only.status).toBe(0);
    const carolTries = await run(['decrypt', '-i', carol.key, 'bob-only.dcrypt'], { cwd: dir });
    expect(failureCode(carolTries)).toBe('E_NOT_RECIPIENT');
  });

  it('--pad and --chunk-log2 round trip; padding hides the exact size', async () => {
    const plain = await run(encryptArgs('--chunk-log2', '10', '-o', 'c10.dcrypt', 'big.bin'), {
      cwd: dir,
    });
    expect(plain.status).toBe(0);
    const padded = await run(
      encryptArgs('--chunk-log2', '10', '--pad', '-o', 'c10p.dcrypt', 'big.bin'),
      { cwd: dir },
    );
    expect(padded.status).toBe(0);
    expect((await stat(join(dir, 'c10p.dcrypt'))).size).toBeGreaterThan(
      (await stat(join(dir, 'c10.dcrypt'))).size,
    );
    for (const file of ['c10.dcrypt', 'c10p.dcrypt']) {
      const dec = await run(['decrypt', '-i', bob.key, file], { cwd: dir });
      expect(dec.status, file).toBe(0);
      expect(dec.stdout).toEqual(big);
    }
  });

  it('a passphrase-protected identity encrypts and decrypts (file and env)', async () => {
    await writeFile(join(dir, 'dora-pass.txt'), 'dora passphrase\n');
    const dora = await makeIdentity(dir, 'dora', [
      '--passphrase-file',
      'dora-pass.txt',
      '--scrypt-log2n',
      '10',
    ]);
    const env = { DORA: 'dora passphrase' };
    const enc = await run(
      [
        'encrypt',
        '-i',
        dora.key,
        '--passphrase-env',
        'DORA',
        '-r',
        bob.pub,
        '-r',
        dora.pub,
        '-o',
        'dora.dcrypt',
        'big.bin',
      ],
      { cwd: dir, env },
    );
    expect(enc.status).toBe(0);
    const bobReads = await run(['decrypt', '-i', bob.key, '--from', dora.pub, 'dora.dcrypt'], {
      cwd: dir,
    });
    expect(bobReads.stdout).toEqual(big);
    const doraReads = await run(
      [
        'decrypt',
        '-i',
        dora.key,
        '--passphrase-file',
        'dora-pass.txt',
        '-o',
        'dora.out',
        'dora.dcrypt',
      ],
      { cwd: dir },
    );
    expect(doraReads.status).toBe(0);
    expect(await readFile(join(dir, 'dora.out'))).toEqual(big);
    const wrong = await run(
      ['decrypt', '-i', dora.key, '--passphrase-env', 'DORA', 'dora.dcrypt'],
      {
        cwd: dir,
        env: { DORA: 'wrong' },
      },
    );
    expect(wrong.status).toBe(1);
    expect(failureCode(wrong)).toBe('E_PASSPHRASE');
  });
});
