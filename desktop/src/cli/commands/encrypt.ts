import {
  DataCryptError,
  MAX_CHUNK_LOG2,
  MIN_CHUNK_LOG2,
  type PublicIdentity,
  pathExists,
} from '@datacrypt/shared-crypto';
import { parseIntegerOption } from '../integer-option.js';
import {
  encryptPlan,
  loadRecipientsFile,
  parsePublicIdentityText,
  planPaths,
  planStream,
  regularFileSize,
  type CiphertextTarget,
  type EncryptionPlan,
} from '../../core/index.js';
import { UsageError } from '../errors.js';
import { loadIdentity } from '../identity-option.js';
import { PASSPHRASE_OPTIONS } from '../passphrase-options.js';
import { createProgress } from '../progress.js';
import { defineCommand } from '../registry.js';

export const encrypt = defineCommand({
  name: 'encrypt',
  summary: 'encrypt files, folders or stdin to one or more recipients',
  usage: [
    'datacrypt encrypt -i ID_FILE -r PUBLIC [-r PUBLIC ...] [-R FILE] [-o OUT] [--pad] [IN ...]',
  ],
  description: [
    'Encrypts to every recipient (-r, -R) and signs with your identity (-i), so recipients can',
    'check who sent it (datacrypt decrypt --from). Several inputs and folders go into one file,',
    'with their names, sizes and times in the encrypted manifest. Without IN (or with IN "-"),',
    'reads stdin; without -o (or with -o "-"), writes to stdout, never to a terminal.',
    'You are not a recipient unless you add your own public identity with -r.',
  ],
  options: {
    identity: {
      type: 'string',
      short: 'i',
      value: 'ID_FILE',
      description: 'your identity file: signs the transfer (required)',
    },
    recipient: {
      type: 'string',
      short: 'r',
      multiple: true,
      value: 'PUBLIC',
      description: 'encrypt to this public identity (datacrypt1...); repeatable',
    },
    'recipients-file': {
      type: 'string',
      short: 'R',
      multiple: true,
      value: 'FILE',
      description:
        'encrypt to every public identity in FILE (one per line, # comments); repeatable',
    },
    output: {
      type: 'string',
      short: 'o',
      value: 'OUT',
      description: 'write the encrypted file to OUT (must not exist; default: stdout)',
    },
    pad: { type: 'boolean', description: 'pad the content (Padmé) to hide its exact size' },
    'chunk-log2': {
      type: 'string',
      value: 'N',
      description: `chunk size 2^N bytes (${MIN_CHUNK_LOG2}..${MAX_CHUNK_LOG2}, default 16 = 64 KiB)`,
    },
    name: {
      type: 'string',
      value: 'NAME',
      description: 'file name recorded for stdin input (default: stdin)',
    },
    ...PASSPHRASE_OPTIONS,
  },
  positionals: {
    name: 'IN ...',
    description: 'files or folders to encrypt (default: stdin)',
    max: null,
  },
  examples: [
    'datacrypt encrypt -i me.key -r datacrypt1... -o report.pdf.dcrypt report.pdf',
    'datacrypt encrypt -i me.key -R team.txt -o photos.dcrypt photos/ notes.txt',
    'tar c dir | datacrypt encrypt -i me.key -r datacrypt1... --name dir.tar > dir.tar.dcrypt',
  ],
  async run(values, positionals, context) {
    const { io, command } = context;
    if (values.identity === undefined) throw new UsageError('missing -i ID_FILE', command);
    const recipientArgs = values.recipient ?? [];
    const recipientFiles = values['recipients-file'] ?? [];
    if (recipientArgs.length === 0 && recipientFiles.length === 0) {
      throw new UsageError('at least one recipient is needed (-r PUBLIC or -R FILE)', command);
    }
    const chunkLog2 = parseIntegerOption(
      values['chunk-log2'],
      '--chunk-log2',
      MIN_CHUNK_LOG2,
      MAX_CHUNK_LOG2,
      command,
    );
    const fromStdin =
      positionals.length === 0 || (positionals.length === 1 && positionals[0] === '-');
    if (!fromStdin && positionals.includes('-')) {
      throw new UsageError('"-" (stdin) cannot be combined with other inputs', command);
    }
    if (!fromStdin && values.name !== undefined) {
      throw new UsageError('--name only applies to stdin input', command);
    }
    const outputPath = values.output === undefined || values.output === '-' ? null : values.output;
    if (outputPath === null && io.stdout.isTTY) {
      throw new UsageError(
        'refusing to write binary ciphertext to a terminal: pass -o OUT or redirect stdout',
        command,
      );
    }
    if (outputPath !== null && (await pathExists(outputPath))) {
      throw new DataCryptError('E_OUTPUT_EXISTS', `${outputPath} already exists`);
    }

    const recipients: PublicIdentity[] = recipientArgs.map((text, index) =>
      parsePublicIdentityText(text, `-r #${index + 1}${excerpt(text)}`),
    );
    for (const file of recipientFiles) recipients.push(...(await loadRecipientsFile(file)));
    // Inputs are checked before the passphrase is asked for; they are read only later.
    let plan: EncryptionPlan | null = fromStdin ? null : await planPaths(positionals);
    const sender = await loadIdentity(values, context);
    if (plan === null) {
      if (io.stdin.isTTY) {
        io.stderr.write('Reading plaintext from the terminal; end it with Ctrl-D.\n');
      }
      plan = planStream(io.stdin, values.name ?? 'stdin', regularFileSize(io.stdin.fd));
    }
    const target: CiphertextTarget =
      outputPath === null ? { stream: io.stdout } : { file: outputPath };
    const progress = createProgress(io.stderr, 'encrypting', plan.totalBytes);
    try {
      await encryptPlan(
        plan,
        target,
        {
          sender,
          recipients,
          pad: values.pad === true,
          ...(chunkLog2 === undefined ? {} : { chunkLog2 }),
        },
        { onProgress: progress.update },
      );
    } finally {
      progress.done();
    }
    return 0;
  },
});

/** A short quote of a bad -r value for the error, unless it looks like a secret key. */
function excerpt(text: string): string {
  if (/^\s*datacrypt-secret-key-/iu.test(text)) return '';
  return ` (${JSON.stringify(text.length > 24 ? `${text.slice(0, 24)}...` : text)})`;
}
