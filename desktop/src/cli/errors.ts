import { inspect } from 'node:util';
import { DataCryptError } from '@datacrypt/shared-crypto';
import { CodedError } from '../core/errors.js';

/** Exit statuses, documented in `datacrypt --help`. */
export const EXIT = {
  OK: 0,
  /** Any failure: decryption, I/O, identity, passphrase, ... */
  FAILURE: 1,
  /** The command line is wrong (unknown command or option, missing argument, ...). */
  USAGE: 2,
  /** Interrupted (Ctrl-C / SIGINT). */
  INTERRUPTED: 130,
} as const;

/** A mistake in the command line: reported as `E_USAGE`, exit status 2. */
export class UsageError extends Error {
  readonly code = 'E_USAGE';

  /** `command`: the command whose `--help` the message points to, if any. */
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The user interrupted an interactive prompt. */
export class InterruptedError extends Error {
  readonly code = 'E_INTERRUPTED';

  constructor() {
    super('interrupted');
    this.name = 'InterruptedError';
  }
}

/**
 * The one stderr line and the exit status for a failure.
 * @example
 * describeFailure(new DataCryptError('E_NOT_RECIPIENT'));
 * // { status: 1, line: 'datacrypt: E_NOT_RECIPIENT: none of the recipient stanzas ...' }
 */
export function describeFailure(error: unknown): { status: number; line: string } {
  let status: number = EXIT.FAILURE;
  let text: string;
  if (error instanceof UsageError) {
    status = EXIT.USAGE;
    const hint =
      error.command === undefined ? 'datacrypt --help' : `datacrypt ${error.command} --help`;
    text = `E_USAGE: ${error.message} (see ${hint})`;
  } else if (error instanceof InterruptedError) {
    status = EXIT.INTERRUPTED;
    text = 'E_INTERRUPTED: interrupted';
  } else if (error instanceof DataCryptError || error instanceof CodedError) {
    text = error.message; // already "E_CODE: detail"
  } else if (isSystemError(error)) {
    text = `E_IO: ${error.message}`;
  } else {
    text = `E_INTERNAL: ${error instanceof Error ? error.message : String(error)}`;
  }
  return { status, line: `datacrypt: ${oneLine(text)}` };
}

function isSystemError(error: unknown): error is Error & { code: string } {
  return (
    error instanceof Error &&
    'code' in error &&
    typeof error.code === 'string' &&
    /^E[A-Z]+$/u.test(error.code)
  );
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/gu, ' ').trim();
}

/**
 * The stack trace and cause chain, for DATACRYPT_DEBUG=1.
 * @example
 * if (env.DATACRYPT_DEBUG === '1') stderr.write(debugDetails(error));
 */
export function debugDetails(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? current.message) : inspect(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined && current !== null) parts.push('caused by:');
  }
  return `${parts.join('\n')}\n`;
}
