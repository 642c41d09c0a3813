import type { IdentityInfo, KeyChangeResult } from '../../core/index.js';
import { UsageError } from '../errors.js';
import { defineGroup } from '../group.js';
import { newPassphrase, PASSPHRASE_OPTIONS, unlockPassphrase } from '../passphrase-options.js';
import { defineCommand } from '../registry.js';
import { print, SESSION_OPTIONS, withSession } from '../session-options.js';

function changeLines(verb: string, result: KeyChangeResult): string[] {
  const lines = [`${verb}. Fingerprint: ${result.current.fingerprint}`];
  if (result.previous !== null) {
    lines.push(`Previous key kept for older transfers: ${result.previous.fingerprint}`);
  }
  lines.push(
    result.published
      ? 'Published to the relay directory: your contacts will see a key change.'
      : 'Not published yet (not logged in): it will be at the next login.',
  );
  return lines;
}

const show = defineCommand({
  name: 'keys show',
  summary: 'print your fingerprint and public identity',
  usage: ['datacrypt keys show'],
  description: ['Prints your current fingerprint, public identity, and retired keys.'],
  options: { ...SESSION_OPTIONS },
  positionals: null,
  async run(values, _positionals, context) {
    return withSession(values, context, async (session) => {
      const keys = await session.keys.show();
      const lines = [
        `Fingerprint:     ${keys.fingerprint}`,
        `Public identity: ${keys.publicIdentity}`,
        `Created:         ${keys.createdAt}`,
        `Kept in:         ${keys.keyStore}`,
        ...keys.retired.map(
          (r: IdentityInfo) => `Retired:         ${r.fingerprint} (${r.retiredAt ?? ''})`,
        ),
      ];
      print(context, values, keys, lines);
      return 0;
    });
  },
});

const backup = defineCommand({
  name: 'keys backup',
  summary: 'export your identity encrypted under a passphrase',
  usage: ['datacrypt keys backup FILE [--passphrase-file FILE | --passphrase-env VAR] [-f]'],
  description: [
    'Writes your identity to FILE (mode 0600), encrypted with a passphrase (scrypt, memory-hard).',
    'Restore it on another machine with `datacrypt keys restore`. The passphrase comes from',
    '--passphrase-file or --passphrase-env, else it is asked twice on the terminal.',
  ],
  options: {
    force: { type: 'boolean', short: 'f', description: 'overwrite FILE if it exists' },
    ...PASSPHRASE_OPTIONS,
    ...SESSION_OPTIONS,
  },
  positionals: { name: 'FILE', description: 'the backup file to write', max: 1 },
  examples: ['datacrypt keys backup alice-backup.txt'],
  async run(values, positionals, context) {
    const path = positionals.at(0);
    if (path === undefined) throw new UsageError('missing FILE', context.command);
    const given = values['passphrase-file'] !== undefined || values['passphrase-env'] !== undefined;
    if (!given && !context.io.stdin.isTTY) {
      throw new UsageError(
        'a passphrase is needed: --passphrase-file FILE or --passphrase-env VAR (or a terminal)',
        context.command,
      );
    }
    const passphrase = await newPassphrase(values, !given, context);
    if (passphrase === undefined) throw new UsageError('a passphrase is needed', context.command);
    return withSession(values, context, async (session) => {
      const info = await session.keys.backup(path, passphrase, { force: values.force === true });
      print(
        context,
        values,
        { path, fingerprint: info.fingerprint },
        `Backed up ${info.fingerprint} to ${path}`,
      );
      return 0;
    });
  },
});

const restore = defineCommand({
  name: 'keys restore',
  summary: 'import an identity backup (then publish it)',
  usage: [
    'datacrypt keys restore FILE [--email EMAIL] [--passphrase-file FILE | --passphrase-env VAR]',
  ],
  description: [
    'Makes the identity in a backup your current one (the previous one is kept, retired) and',
    'publishes it. On a fresh profile, restore before the first login with --email (or after).',
  ],
  options: {
    email: {
      type: 'string',
      value: 'EMAIL',
      description: 'the account, on a profile that has none yet',
    },
    ...PASSPHRASE_OPTIONS,
    ...SESSION_OPTIONS,
  },
  positionals: { name: 'FILE', description: 'the backup file', max: 1 },
  examples: ['datacrypt keys restore alice-backup.txt --email alice@example.com'],
  async run(values, positionals, context) {
    const path = positionals.at(0);
    if (path === undefined) throw new UsageError('missing FILE', context.command);
    const passphrase = await unlockPassphrase(values, context, path)();
    return withSession(values, context, async (session) => {
      const result = await session.keys.restore(
        path,
        passphrase,
        values.email === undefined ? {} : { email: values.email },
      );
      print(context, values, result, changeLines('Restored', result));
      return 0;
    });
  },
});

const rotate = defineCommand({
  name: 'keys rotate',
  summary: 'replace your key (the old one still decrypts old transfers)',
  usage: ['datacrypt keys rotate'],
  description: [
    'Creates a new identity, makes it current and publishes it. The old one is kept to decrypt',
    'transfers sent to it. Contacts see a key change and must accept or re-verify.',
  ],
  options: { ...SESSION_OPTIONS },
  positionals: null,
  async run(values, _positionals, context) {
    return withSession(values, context, async (session) => {
      const result = await session.keys.rotate();
      print(context, values, result, changeLines('Rotated', result));
      return 0;
    });
  },
});

export const keys = defineGroup({
  name: 'keys',
  summary: 'your identity: show, backup, restore, rotate',
  description: [
    'Your identity lives in the OS keychain (or passphrase-encrypted files without one).',
  ],
  subcommands: [show, backup, restore, rotate],
});
