import type { Command } from '../registry.js';
import { decrypt } from './decrypt.js';
import { encrypt } from './encrypt.js';
import { keygen } from './keygen.js';
import { pubkey } from './pubkey.js';

/** Every command, in the order the help lists them. Later issues add account and transfer commands. */
export const COMMANDS: readonly Command[] = [keygen, pubkey, encrypt, decrypt];

/**
 * The command with this name, or undefined.
 * @example
 * findCommand('encrypt')?.run(['--help'], io);
 */
export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((command) => command.name === name);
}
