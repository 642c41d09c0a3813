import type { Command } from '../registry.js';
import { account } from './account.js';
import { contacts } from './contacts.js';
import { decrypt } from './decrypt.js';
import { encrypt } from './encrypt.js';
import { keygen } from './keygen.js';
import { keys } from './keys.js';
import { pubkey } from './pubkey.js';
import { relay } from './relay.js';
import { inbox, receive, resume, revoke, send, sent, watch } from './transfers.js';

/** Every command, in the order the help lists them. */
export const COMMANDS: readonly Command[] = [
  account,
  relay,
  keys,
  contacts,
  send,
  inbox,
  receive,
  watch,
  sent,
  revoke,
  resume,
  keygen,
  pubkey,
  encrypt,
  decrypt,
];

/**
 * The command with this name, or undefined.
 * @example
 * findCommand('encrypt')?.run(['--help'], io);
 */
export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((command) => command.name === name);
}
