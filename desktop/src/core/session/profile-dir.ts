import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where a profile lives when none is given.
 * @module
 */

/**
 * The default profile folder: `DATACRYPT_PROFILE` when set, else the per-OS application data
 * folder (`%APPDATA%\DataCrypt` on Windows, `~/Library/Application Support/DataCrypt` on macOS,
 * `$XDG_DATA_HOME/datacrypt` or `~/.local/share/datacrypt` elsewhere).
 * @example
 * const profileDir = defaultProfileDir(process.env);
 */
export function defaultProfileDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  const explicit = env['DATACRYPT_PROFILE'];
  if (explicit !== undefined && explicit !== '') return explicit;
  const home = homedir();
  if (platform === 'win32')
    return join(env['APPDATA'] ?? join(home, 'AppData', 'Roaming'), 'DataCrypt');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'DataCrypt');
  const data = env['XDG_DATA_HOME'];
  return join(
    data !== undefined && data !== '' ? data : join(home, '.local', 'share'),
    'datacrypt',
  );
}
