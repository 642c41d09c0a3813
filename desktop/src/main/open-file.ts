/**
 * `.dcrypt` files handed to the app by the OS: on Windows and Linux as command-line arguments (of
 * the first instance, or of a second one forwarded through the single-instance lock), on macOS
 * through the `open-file` event.
 * @module
 */
import { isAbsolute, resolve } from 'node:path';

/** The extension of DataCrypt files (file association). */
export const DCRYPT_EXTENSION = '.dcrypt';

/**
 * The `.dcrypt` paths among command-line arguments, made absolute against `cwd`. Options
 * (`--...`) and the executable/script arguments are ignored.
 * @example
 * dcryptPathsFromArgv(['/opt/DataCrypt/datacrypt', 'report.pdf.dcrypt'], '/home/me');
 * // ['/home/me/report.pdf.dcrypt']
 */
export function dcryptPathsFromArgv(argv: readonly string[], cwd: string): string[] {
  return argv
    .filter((arg) => !arg.startsWith('-') && arg.toLowerCase().endsWith(DCRYPT_EXTENSION))
    .map((arg) => (isAbsolute(arg) ? arg : resolve(cwd, arg)));
}
