import { DataCryptError } from '@datacrypt/shared-crypto';
import { DataCryptSession, defaultProfileDir } from '../core/index.js';
import { UsageError } from './errors.js';
import { promptHidden } from './prompt.js';
import type { CommandContext, OptionSpec } from './registry.js';

/**
 * The options every profile command accepts (`--profile`, `--json`), and opening the profile's
 * DataCryptSession from them and the environment.
 * @module
 */

/** `--profile DIR` and `--json`, spread into a command's options. */
export const SESSION_OPTIONS = {
  profile: {
    type: 'string',
    value: 'DIR',
    description: 'the profile folder (default: $DATACRYPT_PROFILE or the app data folder)',
  },
  json: { type: 'boolean', description: 'print one JSON object on stdout (for scripts)' },
} as const satisfies Record<string, OptionSpec>;

/** The parsed session options. */
export interface SessionFlags {
  profile?: string | undefined;
  json?: boolean | undefined;
}

/**
 * The help lines about the environment of profile commands.
 * @example
 * description: [...lines, ...SESSION_ENV_HELP]
 */
export const SESSION_ENV_HELP: readonly string[] = [
  'Environment: DATACRYPT_PROFILE (profile folder), DATACRYPT_RELAY_URL (relay of a new profile),',
  'DATACRYPT_KEYSTORE=file and DATACRYPT_KEYSTORE_PASSPHRASE (key files where no OS keychain works).',
];

/**
 * Opens the session of the profile named by `--profile` (or the default), runs `work`, closes it.
 * Where the OS keychain does not work, the keys go to passphrase-encrypted files and a note on
 * stderr says so; their passphrase comes from DATACRYPT_KEYSTORE_PASSPHRASE or a prompt.
 * @example
 * return withSession(values, context, async (session) => { ... return 0; });
 */
export async function withSession<T>(
  flags: SessionFlags,
  context: CommandContext,
  work: (session: DataCryptSession) => Promise<T>,
): Promise<T> {
  const { io } = context;
  if (flags.profile === '') throw new UsageError('--profile needs a folder', context.command);
  const profileDir = flags.profile ?? defaultProfileDir(io.env);
  const envPassphrase = io.env['DATACRYPT_KEYSTORE_PASSPHRASE'];
  const prefer = io.env['DATACRYPT_KEYSTORE'] === 'file' ? 'file' : 'auto';
  const session = await DataCryptSession.open({
    profileDir,
    keyStore: prefer,
    relayUrl: io.env['DATACRYPT_RELAY_URL'] ?? undefined,
    keyStorePassphrase:
      envPassphrase !== undefined && envPassphrase !== ''
        ? envPassphrase
        : async () => {
            if (!io.stdin.isTTY) {
              throw new DataCryptError(
                'E_PASSPHRASE',
                'the key store files need a passphrase: set DATACRYPT_KEYSTORE_PASSPHRASE (or run in a terminal)',
              );
            }
            return promptHidden('Key store passphrase: ', io.stdin, io.stderr);
          },
  });
  if (session.keyStoreKind === 'passphrase-file') {
    io.stderr.write(`datacrypt: note: ${session.keyStoreNote}\n`);
  }
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}

/**
 * Prints `value` as one JSON line (with `--json`), or the human text otherwise.
 * @example
 * print(context, values, { email }, `Registered ${email}`);
 */
export function print(
  context: CommandContext,
  flags: SessionFlags,
  value: unknown,
  human: string | readonly string[],
): void {
  if (flags.json === true) {
    context.io.stdout.write(`${JSON.stringify(value)}\n`);
    return;
  }
  const lines = typeof human === 'string' ? [human] : human;
  if (lines.length > 0) context.io.stdout.write(`${lines.join('\n')}\n`);
}
