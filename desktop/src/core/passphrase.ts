import { readFile } from 'node:fs/promises';
import { DataCryptError } from '@datacrypt/shared-crypto';
import { ioError } from './fs-errors.js';

/**
 * Passphrases from non-interactive sources. A passphrase is never taken from a command-line
 * literal: argument lists are visible to other users of the machine.
 * @module
 */

/**
 * The first line of a file (without its line ending). E_IO when unreadable, E_PASSPHRASE when empty.
 * @example
 * const passphrase = await passphraseFromFile('secret.txt');
 */
export async function passphraseFromFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw ioError(error, `cannot read passphrase file ${path}`);
  }
  const line = firstLine(text);
  if (line === '') throw new DataCryptError('E_PASSPHRASE', `the passphrase file ${path} is empty`);
  return line;
}

/**
 * The value of an environment variable (its first line). E_PASSPHRASE when unset or empty.
 * @example
 * const passphrase = passphraseFromEnv(process.env, 'DATACRYPT_PASSPHRASE');
 */
export function passphraseFromEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || firstLine(value) === '') {
    throw new DataCryptError(
      'E_PASSPHRASE',
      `the environment variable ${name} is not set or empty`,
    );
  }
  return firstLine(value);
}

function firstLine(text: string): string {
  const end = text.search(/\r?\n/u);
  return end === -1 ? text : text.slice(0, end);
}
