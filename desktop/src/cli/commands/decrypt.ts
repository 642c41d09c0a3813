import { stat } from 'node:fs/promises';
import { sep } from 'node:path';
import { DataCryptError, fingerprint, type PublicIdentity } from '@datacrypt/shared-crypto';
import {
  decryptToDisk,
  decryptToStream,
  inputFileSize,
  NotSingleFileError,
  parsePublicIdentityText,
  regularFileSize,
  type CiphertextSource,
} from '../../core/index.js';
import { UsageError } from '../errors.js';
import { loadIdentity } from '../identity-option.js';
import { PASSPHRASE_OPTIONS } from '../passphrase-options.js';
import { createProgress } from '../progress.js';
import { defineCommand, type CommandContext } from '../registry.js';
import { print, SESSION_OPTIONS, withSession, type SessionFlags } from '../session-options.js';

export const decrypt = defineCommand({
  name: 'decrypt',
  summary: 'decrypt a DataCrypt file and verify its sender',
  usage: [
    'datacrypt decrypt -i ID_FILE [--from PUBLIC] [-o OUT] [IN]',
    "datacrypt decrypt [--profile DIR] [-o OUT] IN   (with your profile's keys, no network)",
  ],
  description: [
    'Decrypts IN (default: stdin) with your identity. Nothing is released before the whole file',
    'and its sender signature verified: on any failure no output is left behind.',
    'With -o: a transfer of one file is written to OUT; a folder or several files are extracted',
    'into the folder OUT (created if missing). Without -o, a single file is written to stdout',
    '(after full verification, via a private temporary folder under TMPDIR); a folder or several',
    'files need -o DIR. An OUT ending with "/" is always a folder to extract into.',
    "The sender's fingerprint is printed on stderr. With --from, a file from anyone else fails",
    'with E_SIGNATURE.',
    'Without -i, the keys of your profile (current and retired) are used, e.g. for a .dcrypt copy',
    'kept by `datacrypt receive --keep-encrypted`; it needs no network. OUT defaults to the',
    'current folder, and the sender is looked up among your contacts.',
  ],
  options: {
    identity: {
      type: 'string',
      short: 'i',
      value: 'ID_FILE',
      description: 'your identity file (default: the keys of your profile)',
    },
    from: {
      type: 'string',
      value: 'PUBLIC',
      description: "require this sender's public identity (datacrypt1...)",
    },
    output: {
      type: 'string',
      short: 'o',
      value: 'OUT',
      description:
        'write the file to OUT, or extract several into the folder OUT (default: stdout)',
    },
    ...PASSPHRASE_OPTIONS,
    ...SESSION_OPTIONS,
  },
  positionals: { name: 'IN', description: 'the encrypted file (default: stdin)', max: 1 },
  examples: [
    'datacrypt decrypt -i me.key --from datacrypt1... -o report.pdf report.pdf.dcrypt',
    'datacrypt decrypt -i me.key -o photos/ photos.dcrypt',
    'datacrypt decrypt -i me.key < notes.dcrypt | less',
    'datacrypt decrypt -o received/ report.pdf.dcrypt',
  ],
  async run(values, positionals, context) {
    const { io, command } = context;
    if (values.identity === undefined) return decryptWithProfile(values, positionals, context);
    const inputPath = positionals.length === 0 || positionals[0] === '-' ? null : positionals[0];
    if (inputPath === null && io.stdin.isTTY) {
      throw new UsageError('no input: pass IN or redirect the encrypted file to stdin', command);
    }
    const outputPath = values.output === undefined || values.output === '-' ? null : values.output;
    const expectedSender: PublicIdentity | null =
      values.from === undefined ? null : parsePublicIdentityText(values.from, '--from');
    if (outputPath !== null) await refuseExistingFile(outputPath);
    const total =
      inputPath === null ? regularFileSize(io.stdin.fd) : await inputFileSize(inputPath);
    const identity = await loadIdentity(values, context);

    const source: CiphertextSource = inputPath ?? io.stdin;
    const params = { identity, expectedSender };
    const progress = createProgress(io.stderr, 'decrypting', total);
    const options = { onProgress: progress.update };
    let sender: PublicIdentity;
    let outputs: string[] = [];
    try {
      if (outputPath === null) {
        ({ sender } = await decryptToStream(source, io.stdout, params, options));
      } else {
        ({ sender, outputs } = await decryptToDisk(source, outputPath, params, options));
      }
    } catch (error) {
      if (error instanceof NotSingleFileError) {
        throw new UsageError(
          `the file holds a folder or several files (${error.entries} entries): pass -o DIR to extract them`,
          command,
        );
      }
      throw error;
    } finally {
      progress.done();
    }
    const check =
      expectedSender === null
        ? '(not checked: pass --from PUBLIC to require a sender)'
        : '(matches --from)';
    io.stderr.write(`Sender fingerprint: ${fingerprint(sender)} ${check}\n`);
    for (const path of outputs) io.stderr.write(`Wrote ${path}\n`);
    return 0;
  },
});

/** A file at OUT fails either way (one file would replace it; several need a folder). */
async function refuseExistingFile(path: string): Promise<void> {
  try {
    const info = await stat(path);
    if (!info.isDirectory()) throw new DataCryptError('E_OUTPUT_EXISTS', `${path} already exists`);
  } catch (error) {
    if (error instanceof DataCryptError) throw error;
  }
}

/** `decrypt IN` without -i: the profile's identities, output into OUT (default: this folder). */
async function decryptWithProfile(
  values: SessionFlags & { output?: string | undefined; from?: string | undefined },
  positionals: string[],
  context: CommandContext,
): Promise<number> {
  const { io, command } = context;
  const input = positionals.at(0);
  if (input === undefined || input === '-') {
    throw new UsageError('without -i, give the encrypted file IN (stdin needs -i)', command);
  }
  if (values.from !== undefined) {
    throw new UsageError('--from needs -i (with the profile, the contacts are checked)', command);
  }
  const output = values.output ?? `.${sep}`;
  await refuseExistingFile(output);
  const total = await inputFileSize(input);
  return withSession(values, context, async (session) => {
    const progress = createProgress(io.stderr, 'decrypting', total);
    let result;
    try {
      result = await session.decryptFile(input, output, { onProgress: progress.update });
    } finally {
      progress.done();
    }
    const who =
      result.senderEmail === null
        ? 'not one of your contacts'
        : `${result.senderEmail}, ${result.senderStatus}`;
    print(context, values, result, [
      `Sender fingerprint: ${result.senderFingerprint} (${who})`,
      ...result.outputs.map((p) => `Wrote ${p}`),
    ]);
    return 0;
  });
}
