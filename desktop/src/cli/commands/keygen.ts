import { DataCryptError, generateIdentity, pathExists } from '@datacrypt/shared-crypto';
import { parseIntegerOption } from '../integer-option.js';
import { describeIdentity, identityFileText, saveIdentityFile } from '../../core/index.js';
import { UsageError } from '../errors.js';
import { newPassphrase, PASSPHRASE_OPTIONS } from '../passphrase-options.js';
import { defineCommand } from '../registry.js';

const MIN_SCRYPT_LOG2N = 10;
const MAX_SCRYPT_LOG2N = 22;

export const keygen = defineCommand({
  name: 'keygen',
  summary: 'generate a new identity (key pairs) and write its identity file',
  usage: [
    'datacrypt keygen [-o ID_FILE] [--force] [-p | --passphrase-file FILE | --passphrase-env VAR]',
  ],
  description: [
    'Generates a DataCrypt identity: a P-384 key pair for encryption and one for signatures.',
    'With -o, the identity file is written to ID_FILE (mode 0600) and the public identity',
    'string is printed on stdout; without -o, the identity file itself goes to stdout.',
    'The public identity and its fingerprint are also printed on stderr. Share the public',
    'identity (datacrypt1...); keep the identity file secret.',
    '',
    'With a passphrase (-p, --passphrase-file or --passphrase-env) the identity file is',
    'encrypted with scrypt + AES-256-GCM; commands that use it then need the passphrase.',
  ],
  options: {
    output: {
      type: 'string',
      short: 'o',
      value: 'ID_FILE',
      description: 'write the identity file to ID_FILE (default: stdout)',
    },
    force: { type: 'boolean', short: 'f', description: 'replace ID_FILE if it exists' },
    passphrase: {
      type: 'boolean',
      short: 'p',
      description: 'protect the identity file with a passphrase asked on the terminal',
    },
    ...PASSPHRASE_OPTIONS,
    'scrypt-log2n': {
      type: 'string',
      value: 'N',
      description: `scrypt cost 2^N for a protected file (${MIN_SCRYPT_LOG2N}..${MAX_SCRYPT_LOG2N}, default 17; low values are for tests only)`,
    },
  },
  positionals: null,
  examples: [
    'datacrypt keygen -o me.key > me.pub',
    'datacrypt keygen -o me.key --passphrase-env DATACRYPT_PASSPHRASE',
  ],
  async run(values, _positionals, context) {
    const { io, command } = context;
    const output = values.output;
    if (values.force === true && output === undefined) {
      throw new UsageError('--force only applies with -o ID_FILE', command);
    }
    const scryptLog2N = parseIntegerOption(
      values['scrypt-log2n'],
      '--scrypt-log2n',
      MIN_SCRYPT_LOG2N,
      MAX_SCRYPT_LOG2N,
      command,
    );
    const protect =
      values.passphrase === true ||
      values['passphrase-file'] !== undefined ||
      values['passphrase-env'] !== undefined;
    if (scryptLog2N !== undefined && !protect) {
      throw new UsageError('--scrypt-log2n needs a passphrase option', command);
    }
    if (output !== undefined && values.force !== true && (await pathExists(output))) {
      throw new DataCryptError(
        'E_OUTPUT_EXISTS',
        `${output} already exists (use --force to replace it)`,
      );
    }
    const passphrase = await newPassphrase(values, values.passphrase === true, context);
    const identity = generateIdentity();
    const summary = describeIdentity(identity);
    if (output === undefined) {
      io.stdout.write(await identityFileText(identity, { passphrase, scryptLog2N }));
    } else {
      await saveIdentityFile(output, identity, {
        passphrase,
        scryptLog2N,
        force: values.force === true,
      });
      io.stdout.write(`${summary.publicIdentity}\n`);
    }
    io.stderr.write(
      `Public identity: ${summary.publicIdentity}\nFingerprint: ${summary.fingerprint}\n`,
    );
    return 0;
  },
});
