import { runInterruptCleanups } from '../core/index.js';
import { COMMANDS, findCommand } from './commands/index.js';
import { debugDetails, describeFailure, EXIT, UsageError } from './errors.js';
import { processIo, type CliIo } from './io.js';
import { EXIT_STATUS_HELP } from './registry.js';
import { deliverSignalToCommand } from './signals.js';
import { versionLine } from './version.js';

/**
 * The help for the whole CLI.
 * @example
 * process.stdout.write(globalHelp());
 */
export function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'datacrypt: end-to-end encrypted file transfer through a relay, and offline files (like age)',
    '',
    'Usage:',
    '  datacrypt <command> [options] [arguments]',
    '  datacrypt <command> --help',
    '  datacrypt --help | --version',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    `  ${'help'.padEnd(width)}show the help of a command (datacrypt help encrypt)`,
    '',
    'Options:',
    '  -h, --help     show this help and exit',
    '  -V, --version  print the version and exit',
    '',
    'Profile commands (account, relay, keys, contacts, send, inbox, receive, watch) also take',
    '  --profile DIR  the profile folder (default: $DATACRYPT_PROFILE or the app data folder)',
    '  --json         one JSON object on stdout, for scripts',
    '',
    'Example:',
    '  datacrypt relay set https://relay.example.com',
    '  datacrypt account register alice@example.com && datacrypt account verify',
    '  datacrypt account login alice@example.com',
    '  datacrypt contacts add bob@example.com && datacrypt contacts show bob@example.com',
    '  datacrypt send report.pdf photos/ --to bob@example.com',
    '  datacrypt keygen -o me.key',
    '  datacrypt encrypt -i me.key -r datacrypt1... -o report.pdf.dcrypt report.pdf',
    '  datacrypt decrypt -i me.key --from datacrypt1... -o report.pdf report.pdf.dcrypt',
    '',
    'Passphrases for protected identity files come from --passphrase-file FILE,',
    '--passphrase-env VAR, or a prompt when stdin is a terminal; never from the command line.',
    '',
    'Environment:',
    '  DATACRYPT_DEBUG=1  print stack traces on failure',
    '  DATACRYPT_PROFILE  the profile folder',
    '  DATACRYPT_RELAY_URL  the relay of a new profile (default http://localhost:8787)',
    '  DATACRYPT_PASSWORD, DATACRYPT_CODE  account password / code (else --password-file, a prompt)',
    '  DATACRYPT_KEYSTORE=file, DATACRYPT_KEYSTORE_PASSPHRASE  key files where no keychain works',
    '  TMPDIR             where decrypt stages a file it writes to stdout',
    '',
    EXIT_STATUS_HELP,
    '',
  ].join('\n');
}

/**
 * Moves the profile options given before the command (`datacrypt --profile P --json inbox`) after
 * it, where the command's parser reads them.
 */
function hoistGlobalOptions(argv: readonly string[]): string[] {
  const globals: string[] = [];
  let at = 0;
  while (at < argv.length) {
    const arg = argv[at] ?? '';
    if (arg === '--json' || arg.startsWith('--profile=')) {
      globals.push(arg);
      at += 1;
    } else if (arg === '--profile' && at + 1 < argv.length) {
      globals.push(arg, argv[at + 1] ?? '');
      at += 2;
    } else break;
  }
  if (globals.length === 0 || at >= argv.length) return [...argv];
  return [...argv.slice(at), ...globals];
}

async function dispatch(input: readonly string[], io: CliIo): Promise<number> {
  const argv = hoistGlobalOptions(input);
  const [first = '', ...rest] = argv;
  if (argv.length === 0) {
    io.stderr.write(globalHelp());
    return EXIT.USAGE;
  }
  if (first === '-h' || first === '--help') {
    io.stdout.write(globalHelp());
    return EXIT.OK;
  }
  if (first === '-V' || first === '--version') {
    io.stdout.write(`${versionLine()}\n`);
    return EXIT.OK;
  }
  if (first === 'help') {
    if (rest.length === 0) {
      io.stdout.write(globalHelp());
      return EXIT.OK;
    }
    const target = findCommand(rest[0] ?? '');
    if (target === undefined || rest.length > 1) {
      throw new UsageError(`unknown command ${JSON.stringify(rest.join(' '))}`);
    }
    io.stdout.write(target.help());
    return EXIT.OK;
  }
  if (first.startsWith('-'))
    throw new UsageError(`unknown option ${first} (options go after the command)`);
  const command = findCommand(first);
  if (command === undefined) throw new UsageError(`unknown command ${JSON.stringify(first)}`);
  return command.run(rest, io);
}

/**
 * Runs the CLI and returns the exit status. Every failure becomes one line on stderr,
 * `datacrypt: E_CODE: message` (plus the stack trace when DATACRYPT_DEBUG=1).
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const onSignal = (signal: NodeJS.Signals): void => {
    if (deliverSignalToCommand(signal)) return;
    io.stderr.write(`\ndatacrypt: E_INTERRUPTED: ${signal}\n`);
    void runInterruptCleanups().finally(() => {
      process.exit(signal === 'SIGINT' ? EXIT.INTERRUPTED : 128 + 15);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await dispatch(argv, io);
  } catch (error) {
    const { status, line } = describeFailure(error);
    if (io.env['DATACRYPT_DEBUG'] === '1') io.stderr.write(debugDetails(error));
    io.stderr.write(`${line}\n`);
    return status;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Stop reading stdin if a command started to (e.g. a failure before the end of the input).
    if (io.stdin.readableFlowing !== null && !io.stdin.isTTY) io.stdin.destroy();
  }
}
