import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureCode, makeIdentity, run, workspace } from './helpers/cli.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await workspace());
  await writeFile(join(dir, 'pass.txt'), 'correct horse battery staple\n');
  await writeFile(join(dir, 'wrong.txt'), 'not the passphrase\n');
});
afterAll(() => cleanup());

describe('datacrypt keygen / pubkey', () => {
  it('writes a 0600 identity file, prints the public identity on stdout and the fingerprint on stderr', async () => {
    const key = join(dir, 'alice.key');
    const result = await run(['keygen', '-o', key], { cwd: dir });
    expect(result.status).toBe(0);
    const pub = result.stdout.toString('utf8');
    expect(pub).toMatch(/^datacrypt1[02-9ac-hj-np-z]+\n$/u);
    expect(result.stderr).toContain(`Public identity: ${pub.trim()}\n`);
    expect(result.stderr).toMatch(/Fingerprint: ([0-9a-f]{4} ){15}[0-9a-f]{4}\n/u);
    expect((await stat(key)).mode & 0o777).toBe(0o600);
    const text = await readFile(key, 'utf8');
    expect(text).toContain(`# public identity: ${pub.trim()}`);
    expect(text).toMatch(/^DATACRYPT-SECRET-KEY-1/mu);

    const again = await run(['pubkey', '-i', key], { cwd: dir });
    expect(again.status).toBe(0);
    expect(again.stdout.toString('utf8')).toBe(pub);
    const fp = await run(['pubkey', '-i', key, '--fingerprint'], { cwd: dir });
    expect(fp.status).toBe(0);
    expect(result.stderr).toContain(`Fingerprint: ${fp.stdout.toString('utf8')}`);
  });

  it('refuses to overwrite an identity file without --force, and replaces it with --force', async () => {
    const first = await makeIdentity(dir, 'keep');
    const before = await readFile(first.key, 'utf8');
    const refused = await run(['keygen', '-o', first.key], { cwd: dir });
    expect(refused.status).toBe(1);
    expect(failureCode(refused)).toBe('E_OUTPUT_EXISTS');
    expect(refused.stdout.length).toBe(0);
    expect(await readFile(first.key, 'utf8')).toBe(before);

    const forced = await run(['keygen', '-o', first.key, '--force'], { cwd: dir });
    expect(forced.status).toBe(0);
    const after = await readFile(first.key, 'utf8');
    expect(after).not.toBe(before);
    expect(after).toContain(forced.stdout.toString('utf8').trim());
    expect((await stat(first.key)).mode & 0o777).toBe(0o600);
  });

  it('writes the identity file to stdout without -o', async () => {
    const result = await run(['keygen'], { cwd: dir });
    expect(result.status).toBe(0);
    const text = result.stdout.toString('utf8');
    expect(text).toMatch(/^# DataCrypt identity\n/u);
    await writeFile(join(dir, 'stdout.key'), text, { mode: 0o600 });
    const pub = await run(['pubkey', '-i', 'stdout.key'], { cwd: dir });
    expect(pub.status).toBe(0);
    expect(result.stderr).toContain(`Public identity: ${pub.stdout.toString('utf8')}`);
  });

  it('protects the identity file with a passphrase from a file or an environment variable', async () => {
    const viaFile = await makeIdentity(dir, 'pf', [
      '--passphrase-file',
      'pass.txt',
      '--scrypt-log2n',
      '10',
    ]);
    expect(await readFile(viaFile.key, 'utf8')).toMatch(
      /^-----BEGIN DATACRYPT ENCRYPTED IDENTITY-----\n/u,
    );
    expect((await stat(viaFile.key)).mode & 0o777).toBe(0o600);

    const env = { DC_PASS: 'correct horse battery staple' };
    const viaEnv = await makeIdentity(
      dir,
      'pe',
      ['--passphrase-env', 'DC_PASS', '--scrypt-log2n', '10'],
      env,
    );
    expect(await readFile(viaEnv.key, 'utf8')).toContain('ENCRYPTED IDENTITY');

    // Both ways unlock both files (the file's first line is the same passphrase).
    for (const id of [viaFile, viaEnv]) {
      const a = await run(['pubkey', '-i', id.key, '--passphrase-file', 'pass.txt'], { cwd: dir });
      expect(a.status).toBe(0);
      expect(a.stdout.toString('utf8').trim()).toBe(id.pub);
      const b = await run(['pubkey', '-i', id.key, '--passphrase-env', 'DC_PASS'], {
        cwd: dir,
        env,
      });
      expect(b.status).toBe(0);
      expect(b.stdout.toString('utf8').trim()).toBe(id.pub);
    }
  });

  it('fails with E_PASSPHRASE for a wrong, missing or unset passphrase', async () => {
    const id = await makeIdentity(dir, 'locked', [
      '--passphrase-file',
      'pass.txt',
      '--scrypt-log2n',
      '10',
    ]);
    const wrong = await run(['pubkey', '-i', id.key, '--passphrase-file', 'wrong.txt'], {
      cwd: dir,
    });
    expect(wrong.status).toBe(1);
    expect(failureCode(wrong)).toBe('E_PASSPHRASE');
    const wrongEnv = await run(['pubkey', '-i', id.key, '--passphrase-env', 'P'], {
      cwd: dir,
      env: { P: 'nope' },
    });
    expect(failureCode(wrongEnv)).toBe('E_PASSPHRASE');
    // stdin is not a terminal: no prompt, a clear error instead.
    const missing = await run(['pubkey', '-i', id.key], { cwd: dir });
    expect(missing.status).toBe(1);
    expect(failureCode(missing)).toBe('E_PASSPHRASE');
    expect(missing.stderr).toContain('--passphrase-file');
    const unset = await run(
      ['pubkey', '-i', id.key, '--passphrase-env', 'DATACRYPT_TEST_UNSET_VAR'],
      { cwd: dir },
    );
    expect(failureCode(unset)).toBe('E_PASSPHRASE');
    await writeFile(join(dir, 'empty.txt'), '\n');
    const empty = await run(['pubkey', '-i', id.key, '--passphrase-file', 'empty.txt'], {
      cwd: dir,
    });
    expect(failureCode(empty)).toBe('E_PASSPHRASE');
  });

  it('reports unreadable and malformed identity files', async () => {
    const missing = await run(['pubkey', '-i', 'no-such.key'], { cwd: dir });
    expect(missing.status).toBe(1);
    expect(failureCode(missing)).toBe('E_IO');
    const id = await makeIdentity(dir, 'pubonly');
    await writeFile(join(dir, 'pub.txt'), `${id.pub}\n`);
    const pub = await run(['pubkey', '-i', 'pub.txt'], { cwd: dir });
    expect(failureCode(pub)).toBe('E_IDENTITY');
    expect(pub.stderr).toContain('public identity');
    await writeFile(join(dir, 'junk.key'), 'DATACRYPT-SECRET-KEY-1NOTAKEY\n', { mode: 0o600 });
    const junk = await run(['pubkey', '-i', 'junk.key'], { cwd: dir });
    expect(failureCode(junk)).toBe('E_IDENTITY');
  });

  it('warns when a plaintext identity file is readable by others', async () => {
    const id = await makeIdentity(dir, 'open');
    const { chmod } = await import('node:fs/promises');
    await chmod(id.key, 0o644);
    const result = await run(['pubkey', '-i', id.key], { cwd: dir });
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/^datacrypt: warning: .*chmod 600/u);
  });

  it('rejects keygen usage mistakes with E_USAGE and exit status 2', async () => {
    const cases: string[][] = [
      ['keygen', '--scrypt-log2n', '10'], // no passphrase to protect with
      ['keygen', '--passphrase-file', 'pass.txt', '--scrypt-log2n', '9'],
      ['keygen', '--passphrase-file', 'pass.txt', '--scrypt-log2n', 'ten'],
      ['keygen', '--passphrase-file', 'pass.txt', '--passphrase-env', 'X'],
      ['keygen', '--force'], // --force without -o
      ['keygen', '-p'], // a prompt needs a terminal
      ['keygen', 'extra'],
      ['keygen', '--passphrase=secret'], // never a passphrase on the command line
      ['pubkey'],
      ['pubkey', '-i'],
    ];
    for (const args of cases) {
      const result = await run(args, { cwd: dir });
      expect(result.status, args.join(' ')).toBe(2);
      expect(failureCode(result), args.join(' ')).toBe('E_USAGE');
      expect(result.stdout.length).toBe(0);
    }
  });
});
