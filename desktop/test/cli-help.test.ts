import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, workspace } from './helpers/cli.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await workspace());
});
afterAll(() => cleanup());

const OPTIONS: Record<string, string[]> = {
  keygen: [
    '-o, --output',
    '-f, --force',
    '-p, --passphrase',
    '--passphrase-file',
    '--passphrase-env',
    '--scrypt-log2n',
  ],
  pubkey: ['-i, --identity', '--fingerprint', '--passphrase-file', '--passphrase-env'],
  encrypt: [
    '-i, --identity',
    '-r, --recipient',
    '-R, --recipients-file',
    '-o, --output',
    '--pad',
    '--chunk-log2',
    '--name',
    '--passphrase-file',
    '--passphrase-env',
  ],
  decrypt: ['-i, --identity', '--from', '-o, --output', '--passphrase-file', '--passphrase-env'],
};

describe('datacrypt --help', () => {
  it('lists every command and documents the exit statuses', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const result = await run([flag], { cwd: dir });
      expect(result.status).toBe(0);
      const text = result.stdout.toString('utf8');
      for (const command of Object.keys(OPTIONS))
        expect(text).toMatch(new RegExp(`^  ${command} `, 'mu'));
      expect(text).toContain('Exit status: 0 success; 1 failure');
      expect(text).toContain('2 usage error (E_USAGE)');
      expect(text).toContain('DATACRYPT_DEBUG');
    }
  });

  it('without arguments prints the help on stderr and exits with status 2', async () => {
    const result = await run([], { cwd: dir });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Commands:');
  });

  for (const [command, options] of Object.entries(OPTIONS)) {
    it(`${command} --help / -h / help ${command} mention every option`, async () => {
      const outputs: string[] = [];
      for (const args of [
        [command, '--help'],
        [command, '-h'],
        ['help', command],
      ]) {
        const result = await run(args, { cwd: dir });
        expect(result.status, args.join(' ')).toBe(0);
        expect(result.stderr).toBe('');
        outputs.push(result.stdout.toString('utf8'));
      }
      expect(outputs[1]).toBe(outputs[0]);
      expect(outputs[2]).toBe(outputs[0]);
      const text = outputs[0] ?? '';
      expect(text).toContain(`datacrypt ${command}`);
      expect(text).toContain('Usage:');
      for (const option of [...options, '-h, --help']) expect(text, option).toContain(option);
      expect(text).toContain('Exit status:');
    });
  }

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-V']) {
      const result = await run([flag], { cwd: dir });
      expect(result.status).toBe(0);
      expect(result.stdout.toString('utf8')).toBe(`datacrypt ${pkg.version} (file format v1)\n`);
    }
  });
});
