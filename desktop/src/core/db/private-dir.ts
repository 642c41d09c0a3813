import { chmodSync, existsSync, mkdirSync } from 'node:fs';

/**
 * Creates `dir` with mode 0700 when it does not exist (an existing folder is left as it is).
 * @example
 * ensurePrivateDirSync(profileDir);
 */
export function ensurePrivateDirSync(dir: string): void {
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') chmodSync(dir, 0o700);
}
