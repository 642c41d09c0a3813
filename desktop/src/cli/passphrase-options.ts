import { DataCryptError } from '@datacrypt/shared-crypto';
import { passphraseFromEnv, passphraseFromFile, type PassphraseProvider } from '../core/index.js';
import { UsageError } from './errors.js';
import type { CommandContext, OptionSpec } from './registry.js';
import { promptHidden } from './prompt.js';

/** The options every command that reads or writes an identity file accepts. */
export const PASSPHRASE_OPTIONS = {
  'passphrase-file': {
    type: 'string',
    value: 'FILE',
    description: 'read the identity passphrase from the first line of FILE',
  },
  'passphrase-env': {
    type: 'string',
    value: 'VAR',
    description: 'read the identity passphrase from the environment variable VAR',
  },
} as const satisfies Record<string, OptionSpec>;

export interface PassphraseFlags {
  'passphrase-file'?: string | undefined;
  'passphrase-env'?: string | undefined;
}

function explicitSource(
  flags: PassphraseFlags,
  env: NodeJS.ProcessEnv,
  command: string,
): PassphraseProvider | null {
  const file = flags['passphrase-file'];
  const name = flags['passphrase-env'];
  if (file !== undefined && name !== undefined) {
    throw new UsageError('give either --passphrase-file or --passphrase-env, not both', command);
  }
  if (file !== undefined) return () => passphraseFromFile(file);
  if (name !== undefined) {
    if (name === '') throw new UsageError('--passphrase-env needs a variable name', command);
    return (): Promise<string> => Promise.resolve(passphraseFromEnv(env, name));
  }
  return null;
}

/**
 * The passphrase provider for unlocking an identity file: --passphrase-file, --passphrase-env,
 * or (when stdin is a terminal) a prompt without echo. It is called only for encrypted files.
 * @example
 * const { identity } = await loadIdentityFile(path, unlockPassphrase(values, context, path));
 */
export function unlockPassphrase(
  flags: PassphraseFlags,
  context: CommandContext,
  path: string,
): PassphraseProvider {
  const { io } = context;
  const explicit = explicitSource(flags, io.env, context.command);
  if (explicit !== null) return explicit;
  return async () => {
    if (!io.stdin.isTTY) {
      throw new DataCryptError(
        'E_PASSPHRASE',
        `${path} is encrypted: pass --passphrase-file FILE or --passphrase-env VAR (or run in a terminal to be asked)`,
      );
    }
    return promptHidden(`Passphrase for ${path}: `, io.stdin, io.stderr);
  };
}

/**
 * The passphrase to protect a new identity file with, or undefined for a plaintext file:
 * --passphrase-file, --passphrase-env, or `ask` (prompt twice on the terminal).
 * @example
 * const passphrase = await newPassphrase(values, values.passphrase === true, context);
 */
export async function newPassphrase(
  flags: PassphraseFlags,
  ask: boolean,
  context: CommandContext,
): Promise<string | undefined> {
  const { io, command } = context;
  if (ask && (flags['passphrase-file'] !== undefined || flags['passphrase-env'] !== undefined)) {
    throw new UsageError('give only one of -p, --passphrase-file and --passphrase-env', command);
  }
  const explicit = explicitSource(flags, io.env, command);
  if (explicit !== null) return explicit();
  if (!ask) return undefined;
  if (!io.stdin.isTTY) {
    throw new UsageError('-p needs a terminal; use --passphrase-file or --passphrase-env', command);
  }
  const first = await promptHidden('New passphrase: ', io.stdin, io.stderr);
  if (first === '') throw new DataCryptError('E_PASSPHRASE', 'the passphrase is empty');
  const again = await promptHidden('Repeat the passphrase: ', io.stdin, io.stderr);
  if (again !== first) throw new DataCryptError('E_PASSPHRASE', 'the passphrases do not match');
  return first;
}
