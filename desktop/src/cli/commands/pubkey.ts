import { describeIdentity } from '../../core/index.js';
import { loadIdentity } from '../identity-option.js';
import { PASSPHRASE_OPTIONS } from '../passphrase-options.js';
import { defineCommand } from '../registry.js';

export const pubkey = defineCommand({
  name: 'pubkey',
  summary: 'print the public identity (or fingerprint) of an identity file',
  usage: [
    'datacrypt pubkey -i ID_FILE [--fingerprint] [--passphrase-file FILE | --passphrase-env VAR]',
  ],
  description: [
    'Prints the public identity string (datacrypt1...) of the identity in ID_FILE, the one to give',
    'to people who send you files. With --fingerprint, prints its fingerprint instead: 16 groups',
    'of 4 hex digits to compare over a trusted channel.',
  ],
  options: {
    identity: {
      type: 'string',
      short: 'i',
      value: 'ID_FILE',
      description: 'the identity file (required)',
    },
    fingerprint: { type: 'boolean', description: 'print the fingerprint instead' },
    ...PASSPHRASE_OPTIONS,
  },
  positionals: null,
  examples: ['datacrypt pubkey -i me.key', 'datacrypt pubkey -i me.key --fingerprint'],
  async run(values, _positionals, context) {
    const identity = await loadIdentity(values, context);
    const summary = describeIdentity(identity);
    context.io.stdout.write(
      `${values.fingerprint === true ? summary.fingerprint : summary.publicIdentity}\n`,
    );
    return 0;
  },
});
