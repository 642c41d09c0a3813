import type { SecretIdentity } from '@datacrypt/shared-crypto';
import { loadIdentityFile } from '../core/index.js';
import { UsageError } from './errors.js';
import { unlockPassphrase, type PassphraseFlags } from './passphrase-options.js';
import type { CommandContext } from './registry.js';

/**
 * Loads the identity named by `-i`, unlocking it with the passphrase options (or a prompt), and
 * prints a warning on stderr when a plaintext identity file is readable by others.
 * @example
 * const me = await loadIdentity(values, context);
 */
export async function loadIdentity(
  values: PassphraseFlags & { identity?: string | undefined },
  context: CommandContext,
): Promise<SecretIdentity> {
  const path = values.identity;
  if (path === undefined) throw new UsageError('missing -i ID_FILE', context.command);
  if (path === '-') {
    throw new UsageError(
      '-i needs a file (reading the identity from stdin is not supported)',
      context.command,
    );
  }
  const loaded = await loadIdentityFile(path, unlockPassphrase(values, context, path));
  if (loaded.warning !== null) context.io.stderr.write(`datacrypt: warning: ${loaded.warning}\n`);
  return loaded.identity;
}
