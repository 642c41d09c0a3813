import { readFile } from 'node:fs/promises';
import { CodedError, ioError } from '../core/index.js';
import { UsageError } from './errors.js';
import { promptHidden } from './prompt.js';
import type { CommandContext } from './registry.js';

/**
 * Passwords and codes for account commands: from a file, an environment variable or a prompt
 * without echo, never from the command line (argument lists are visible to other users).
 * @module
 */

/**
 * Where one secret may come from.
 * @example
 * const password = await readSecret(context, { file: values['password-file'], env: 'DATACRYPT_PASSWORD', prompt: 'Password: ', what: 'password', fileFlag: '--password-file' });
 */
export interface SecretSource {
  /** The path given with the command's file flag, if any. */
  file: string | undefined;
  /** The flag that names the file (for messages). */
  fileFlag: string;
  /** The environment variable read when no file is given. */
  env: string;
  /** The prompt shown on a terminal. */
  prompt: string;
  /** What is asked for, in messages ("password", "verification code"). */
  what: string;
  /** On a terminal, ask twice and compare (new passwords). */
  confirm?: boolean;
}

function firstLine(text: string): string {
  const end = text.search(/\r?\n/u);
  return end === -1 ? text : text.slice(0, end);
}

/**
 * Reads a secret: the file flag, else the environment variable, else a prompt when stdin is a
 * terminal. E_NO_INPUT when none is available or the value is empty.
 * @example
 * const code = await readSecret(context, { file: undefined, fileFlag: '--code-file', env: 'DATACRYPT_CODE', prompt: 'Code: ', what: 'code' });
 */
export async function readSecret(context: CommandContext, source: SecretSource): Promise<string> {
  const { io } = context;
  let value: string;
  if (source.file !== undefined) {
    if (source.file === '')
      throw new UsageError(`${source.fileFlag} needs a file`, context.command);
    let text: string;
    try {
      text = await readFile(source.file, 'utf8');
    } catch (error) {
      throw ioError(error, `cannot read ${source.file}`);
    }
    value = firstLine(text);
  } else if (io.env[source.env] !== undefined) {
    value = firstLine(io.env[source.env] ?? '');
  } else if (io.stdin.isTTY) {
    value = await promptHidden(source.prompt, io.stdin, io.stderr);
    if (source.confirm === true && value !== '') {
      const again = await promptHidden(`Repeat the ${source.what}: `, io.stdin, io.stderr);
      if (again !== value) throw new CodedError('E_NO_INPUT', `the ${source.what}s do not match`);
    }
  } else {
    throw new CodedError(
      'E_NO_INPUT',
      `no ${source.what}: pass ${source.fileFlag} FILE or set ${source.env} (or run in a terminal to be asked)`,
    );
  }
  if (value === '') throw new CodedError('E_NO_INPUT', `the ${source.what} is empty`);
  return value;
}
