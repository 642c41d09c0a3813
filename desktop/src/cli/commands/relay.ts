import { UsageError } from '../errors.js';
import { defineGroup } from '../group.js';
import { defineCommand } from '../registry.js';
import { print, SESSION_OPTIONS, withSession } from '../session-options.js';

const set = defineCommand({
  name: 'relay set',
  summary: 'choose the relay this profile uses',
  usage: ['datacrypt relay set URL'],
  description: [
    'Stores the relay URL (https://..., or http:// for a local relay). Accounts are per relay:',
    'switching relay starts the account state over (keys of the old relay stay in the keychain).',
  ],
  options: { ...SESSION_OPTIONS },
  positionals: { name: 'URL', description: 'the relay base URL', max: 1 },
  examples: ['datacrypt relay set https://relay.example.com'],
  async run(values, positionals, context) {
    const url = positionals.at(0);
    if (url === undefined) throw new UsageError('missing URL', context.command);
    return withSession(values, context, async (session) => {
      const result = await session.setRelay(url);
      print(context, values, result, `Relay: ${result.relayUrl}`);
      return 0;
    });
  },
});

const show = defineCommand({
  name: 'relay show',
  summary: 'print the relay URL of this profile',
  usage: ['datacrypt relay show'],
  description: ['Prints the relay URL in use.'],
  options: { ...SESSION_OPTIONS },
  positionals: null,
  async run(values, _positionals, context) {
    return withSession(values, context, (session) => {
      print(context, values, { relayUrl: session.relayUrl }, session.relayUrl);
      return Promise.resolve(0);
    });
  },
});

export const relay = defineGroup({
  name: 'relay',
  summary: 'set or show the relay of this profile',
  description: [],
  subcommands: [set, show],
});
