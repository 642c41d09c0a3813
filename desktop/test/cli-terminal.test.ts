import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import type { CliIo } from '../src/cli/io.js';
import { workspace } from './helpers/cli.js';

// In-process runs of `main` with fake terminals, for what spawned processes cannot show
// deterministically: TTY refusals and the passphrase prompt.

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await workspace());
});
afterAll(() => cleanup());

interface FakeTerminal {
  io: CliIo;
  stdout: () => string;
  stderr: () => string;
}

function collector(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const parts: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      parts.push(chunk);
      callback();
    },
  });
  Object.assign(stream, { isTTY, columns: 80 });
  return {
    stream: stream as unknown as NodeJS.WriteStream,
    text: () => Buffer.concat(parts).toString('utf8'),
  };
}

/** A fake session: stdin is a terminal that will "type" `typed`; stdout/stderr as given. */
function terminal(options: {
  typed?: string;
  stdinTTY?: boolean;
  stdoutTTY?: boolean;
}): FakeTerminal {
  const stdin = new PassThrough();
  let raw = false;
  Object.assign(stdin, {
    isTTY: options.stdinTTY ?? true,
    fd: 0,
    get isRaw() {
      return raw;
    },
    setRawMode(mode: boolean) {
      raw = mode;
      return stdin;
    },
  });
  if (options.typed !== undefined) stdin.write(options.typed);
  const out = collector(options.stdoutTTY ?? true);
  const err = collector(true);
  return {
    io: {
      stdin: stdin as unknown as NodeJS.ReadStream & { fd: 0 },
      stdout: out.stream,
      stderr: err.stream,
      env: {},
    },
    stdout: out.text,
    stderr: err.text,
  };
}

describe('datacrypt on a terminal', () => {
  it('keygen -p asks for the passphrase twice without echo; pubkey asks for it', async () => {
    const key = join(dir, 'prompted.key');
    const make = terminal({ typed: 'tty secret\rtty secret\r' });
    expect(await main(['keygen', '-o', key, '-p', '--scrypt-log2n', '10'], make.io)).toBe(0);
    expect(make.stderr()).toContain('New passphrase: \nRepeat the passphrase: \n');
    expect(make.stderr()).not.toContain('tty secret');
    expect(await readFile(key, 'utf8')).toContain('ENCRYPTED IDENTITY');
    const pub = make.stdout().trim();

    // Backspace (DEL) edits the answer before Enter.
    const unlock = terminal({ typed: 'tty secrex\u007ft\r' });
    expect(await main(['pubkey', '-i', key], unlock.io)).toBe(0);
    expect(unlock.stderr()).toBe(`Passphrase for ${key}: \n`);
    expect(unlock.stdout().trim()).toBe(pub);

    const wrong = terminal({ typed: 'nope\r' });
    expect(await main(['pubkey', '-i', key], wrong.io)).toBe(1);
    expect(wrong.stderr()).toContain('datacrypt: E_PASSPHRASE: ');
  });

  it('keygen -p fails when the two passphrases differ; Ctrl-C interrupts with status 130', async () => {
    const mismatch = terminal({ typed: 'one\rtwo\r' });
    expect(
      await main(['keygen', '-o', join(dir, 'x.key'), '-p', '--scrypt-log2n', '10'], mismatch.io),
    ).toBe(1);
    expect(mismatch.stderr()).toMatch(/datacrypt: E_PASSPHRASE: the passphrases do not match\n$/u);
    const interrupted = terminal({ typed: 'abc\u0003' });
    expect(await main(['keygen', '-o', join(dir, 'y.key'), '-p'], interrupted.io)).toBe(130);
    expect(interrupted.stderr()).toMatch(/datacrypt: E_INTERRUPTED: interrupted\n$/u);
  });

  it('refuses to write ciphertext to a terminal and to read ciphertext from one', async () => {
    const key = join(dir, 'plain.key');
    const make = terminal({ stdoutTTY: false });
    expect(await main(['keygen', '-o', key], make.io)).toBe(0);
    const pub = make.stdout().trim();

    const enc = terminal({ typed: 'hello' });
    expect(await main(['encrypt', '-i', key, '-r', pub], enc.io)).toBe(2);
    expect(enc.stderr()).toMatch(
      /^datacrypt: E_USAGE: refusing to write binary ciphertext to a terminal/u,
    );
    expect(enc.stdout()).toBe('');

    const dec = terminal({});
    expect(await main(['decrypt', '-i', key], dec.io)).toBe(2);
    expect(dec.stderr()).toMatch(/^datacrypt: E_USAGE: no input/u);
  });
});
