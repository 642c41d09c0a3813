import { readFile } from 'node:fs/promises';
import { DataCryptError, parsePublicIdentity, type PublicIdentity } from '@datacrypt/shared-crypto';
import { ioError } from './fs-errors.js';

/**
 * Recipients given as public identity strings or in recipients files.
 * @module
 */

/**
 * Parses one public identity string (surrounding whitespace allowed), naming where it came from in
 * the error (E_IDENTITY).
 * @example
 * const bob = parsePublicIdentityText('datacrypt1q...', '-r');
 */
export function parsePublicIdentityText(text: string, origin: string): PublicIdentity {
  try {
    return parsePublicIdentity(text.trim());
  } catch (error) {
    if (error instanceof DataCryptError) {
      const detail = error.message.replace(/^E_[A-Z_]+: /u, '');
      throw new DataCryptError(error.code, `${origin}: ${detail}`, { cause: error });
    }
    throw error;
  }
}

/**
 * Parses a recipients file: one public identity per line; blank lines and lines starting with `#`
 * are ignored. E_IO if unreadable, E_IDENTITY (with the line number) if a line is not valid, or
 * if the file lists nobody.
 * @example
 * const team = await loadRecipientsFile('team.txt');
 */
export async function loadRecipientsFile(path: string): Promise<PublicIdentity[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw ioError(error, `cannot read recipients file ${path}`);
  }
  const recipients: PublicIdentity[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    recipients.push(parsePublicIdentityText(line, `${path} line ${index + 1}`));
  });
  if (recipients.length === 0) {
    throw new DataCryptError('E_IDENTITY', `the recipients file ${path} lists no recipient`);
  }
  return recipients;
}
