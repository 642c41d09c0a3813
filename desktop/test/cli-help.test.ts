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
  decrypt: [
    '-i, --identity',
    '--from',
    '-o, --output',
    '--passphrase-file',
    '--passphrase-env',
    '--profile DIR',
    '--json',
  ],
  send: ['--to EMAIL', '--expiry-days N', '--download-limit N', '--profile DIR', '--json'],
  inbox: ['--profile DIR', '--json'],
  receive: ['--all', '-o, --output DIR', '--keep-encrypted', '--profile DIR', '--json'],
  watch: ['-o, --output DIR', '--keep-encrypted', '--profile DIR', '--json'],
  sent: ['--profile DIR', '--json'],
  revoke: ['--profile DIR', '--json'],
  resume: ['--profile DIR', '--json'],
};

/** Command groups, their subcommands and each subcommand's options. */
const GROUPS: Record<string, Record<string, string[]>> = {
  account: {
    register: ['--password-file FILE', '--profile DIR', '--json'],
    verify: ['--code-file FILE', '--resend', '--email EMAIL', '--profile DIR', '--json'],
    login: ['--password-file FILE', '--code-file FILE', '--profile DIR', '--json'],
    logout: ['--profile DIR', '--json'],
    status: ['--profile DIR', '--json'],
    '2fa': ['--password-file FILE', '--code-file FILE', '--profile DIR', '--json'],
    password: ['--password-file FILE', '--new-password-file FILE', '--profile DIR', '--json'],
  },
  relay: { set: ['--profile DIR', '--json'], show: ['--profile DIR', '--json'] },
  keys: {
    show: ['--profile DIR', '--json'],
    backup: ['-f, --force', '--passphrase-file FILE', '--passphrase-env VAR', '--profile DIR'],
    restore: ['--email EMAIL', '--passphrase-file FILE', '--passphrase-env VAR', '--profile DIR'],
    rotate: ['--profile DIR', '--json'],
  },
  contacts: {
    add: ['--profile DIR', '--json'],
    list: ['--refresh', '--profile DIR', '--json'],
    show: ['--qr', '--profile DIR', '--json'],
    verify: ['--safety-number DIGITS', '--profile DIR', '--json'],
    accept: ['--profile DIR', '--json'],
    remove: ['--profile DIR', '--json'],
  },
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

  for (const [group, subcommands] of Object.entries(GROUPS)) {
    it(`${group} --help lists its subcommands; each subcommand's help mentions every option`, async () => {
      const listed = await run(['help', group], { cwd: dir });
      expect(listed.status).toBe(0);
      const text = listed.stdout.toString('utf8');
      expect((await run([group, '--help'], { cwd: dir })).stdout.toString('utf8')).toBe(text);
      expect(text).toContain(`datacrypt ${group}:`);
      for (const sub of Object.keys(subcommands)) {
        expect(text).toMatch(new RegExp(`^  ${sub} `, 'mu'));
      }
      expect(text).toContain('Exit status:');
      for (const [sub, options] of Object.entries(subcommands)) {
        const outputs: string[] = [];
        for (const args of [
          [group, sub, '--help'],
          [group, sub, '-h'],
          [group, 'help', sub],
        ]) {
          const result = await run(args, { cwd: dir });
          expect(result.status, args.join(' ')).toBe(0);
          expect(result.stderr).toBe('');
          outputs.push(result.stdout.toString('utf8'));
        }
        expect(outputs[1]).toBe(outputs[0]);
        expect(outputs[2]).toBe(outputs[0]);
        const help = outputs[0] ?? '';
        expect(help).toContain(`datacrypt ${group} ${sub}:`);
        for (const option of [...options, '-h, --help']) expect(help, option).toContain(option);
      }
    });
  }

  it('a group without a subcommand prints its help on stderr (status 2); unknown ones are E_USAGE', async () => {
    const bare = await run(['contacts'], { cwd: dir });
    expect(bare.status).toBe(2);
    expect(bare.stderr).toContain('Subcommands:');
    const unknown = await run(['contacts', 'befriend'], { cwd: dir });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toBe(
      'datacrypt: E_USAGE: unknown subcommand "befriend" (see datacrypt contacts --help)\n',
    );
    const option = await run(['keys', 'show', '--bogus'], { cwd: dir });
    expect(option.status).toBe(2);
    expect(option.stderr).toBe(
      'datacrypt: E_USAGE: unknown option --bogus (see datacrypt keys show --help)\n',
    );
  });

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
