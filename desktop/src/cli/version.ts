import { readFileSync } from 'node:fs';
import { FORMAT_VERSION } from '@datacrypt/shared-crypto';

/**
 * The version line: the desktop package version and the file format version it writes.
 * @example
 * versionLine(); // 'datacrypt 0.1.0 (file format v1)'
 */
export function versionLine(): string {
  // dist/cli/version.js (and src/cli/version.ts) sit two folders below package.json.
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const { version } = JSON.parse(text) as { version?: unknown };
  return `datacrypt ${typeof version === 'string' ? version : 'unknown'} (file format v${FORMAT_VERSION})`;
}
