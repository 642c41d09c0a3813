/**
 * Plaintext identity files (like age's), and the parser that accepts both identity file forms.
 * @module
 */
import { DataCryptError } from '../errors.js';
import { decryptIdentityFile, isEncryptedIdentityFile } from './encrypted-identity-file.js';
import { encodePublicIdentity } from './public-identity.js';
import { encodeSecretIdentity, parseSecretIdentity } from './secret-identity.js';
import type { SecretIdentity } from './secret-identity.js';

const PUBLIC_COMMENT = '# public identity:';

/**
 * The plaintext identity file: three comment lines and the secret key line, LF endings,
 * final newline. `created` defaults to now.
 * @example
 * await writeFile(path, formatIdentityFile(id), { mode: 0o600 });
 * // # DataCrypt identity
 * // # created: 2026-11-23T15:00:00.000Z
 * // # public identity: datacrypt1...
 * // DATACRYPT-SECRET-KEY-1...
 */
export function formatIdentityFile(s: SecretIdentity, opts: { created?: Date } = {}): string {
  const created = (opts.created ?? new Date()).toISOString();
  return (
    `# DataCrypt identity\n# created: ${created}\n` +
    `${PUBLIC_COMMENT} ${encodePublicIdentity(s.publicIdentity)}\n` +
    `${encodeSecretIdentity(s)}\n`
  );
}

function parsePlaintextIdentityFile(text: string): SecretIdentity {
  const secrets: string[] = [];
  const publicComments: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (line.startsWith(PUBLIC_COMMENT))
        publicComments.push(line.slice(PUBLIC_COMMENT.length).trim());
      continue;
    }
    secrets.push(line);
  }
  if (secrets.length === 0) {
    throw new DataCryptError('E_IDENTITY', 'identity file: no DATACRYPT-SECRET-KEY-1 line');
  }
  if (secrets.length > 1) {
    throw new DataCryptError('E_IDENTITY', 'identity file: more than one secret key line');
  }
  const identity = parseSecretIdentity(secrets[0]);
  const expected = encodePublicIdentity(identity.publicIdentity);
  for (const comment of publicComments) {
    if (comment !== expected) {
      throw new DataCryptError(
        'E_IDENTITY',
        'identity file: the "# public identity:" comment does not match the secret key',
      );
    }
  }
  return identity;
}

/**
 * Parses an identity file in either form. Plaintext: blank lines and `#` lines are ignored, exactly
 * one secret key line is required, and every `# public identity:` comment must match it
 * (E_IDENTITY otherwise). Armored: see decryptIdentityFile; without a passphrase it throws
 * E_PASSPHRASE ("a passphrase is needed").
 * @example
 * const text = await readFile(path, 'utf8');
 * const id = await parseIdentityFile(text, isEncryptedIdentityFile(text) ? await ask() : undefined);
 */
export async function parseIdentityFile(
  text: string,
  passphrase?: string,
): Promise<SecretIdentity> {
  if (typeof text !== 'string') throw new DataCryptError('E_IDENTITY', 'identity file: not text');
  if (isEncryptedIdentityFile(text)) return decryptIdentityFile(text, passphrase);
  return parsePlaintextIdentityFile(text);
}
