import { UsageError } from './errors.js';
import { EXIT_STATUS_HELP, type Command } from './registry.js';

/**
 * Command groups: `datacrypt account login`, `datacrypt keys backup`, ... A group dispatches to
 * its subcommands and has its own help listing them.
 * @module
 */

/**
 * What defines a group.
 * @example
 * defineGroup({ name: 'keys', summary: 'your identity', description: [], subcommands: [show] });
 */
export interface GroupSpec {
  name: string;
  summary: string;
  description: readonly string[];
  /** Subcommands, named `"<group> <sub>"` (e.g. `keys show`) so their help and errors say so. */
  subcommands: readonly Command[];
}

function subName(group: string, command: Command): string {
  return command.name.startsWith(`${group} `) ? command.name.slice(group.length + 1) : command.name;
}

/**
 * The help text of a group.
 * @example
 * process.stdout.write(groupHelp(spec));
 */
export function groupHelp(spec: GroupSpec): string {
  const names = spec.subcommands.map((c) => subName(spec.name, c));
  const width = Math.max(...names.map((n) => n.length)) + 2;
  return [
    `datacrypt ${spec.name}: ${spec.summary}`,
    '',
    'Usage:',
    `  datacrypt ${spec.name} <subcommand> [options] [arguments]`,
    `  datacrypt ${spec.name} <subcommand> --help`,
    '',
    ...spec.description,
    ...(spec.description.length > 0 ? [''] : []),
    'Subcommands:',
    ...spec.subcommands.map((c) => `  ${subName(spec.name, c).padEnd(width)}${c.summary}`),
    '',
    EXIT_STATUS_HELP,
    '',
  ].join('\n');
}

/**
 * Builds a group command: `<group> --help` lists the subcommands, `<group> <sub> ...` runs one.
 * @example
 * export const keys = defineGroup({ name: 'keys', summary: '...', description: [], subcommands });
 */
export function defineGroup(spec: GroupSpec): Command {
  const help = (): string => groupHelp(spec);
  return {
    name: spec.name,
    summary: spec.summary,
    help,
    run: async (argv, io) => {
      const first = argv.at(0);
      const rest = argv.slice(1);
      if (first === undefined) {
        io.stderr.write(help());
        return 2;
      }
      if (first === '-h' || first === '--help' || first === 'help') {
        if (first === 'help' && rest.at(0) !== undefined) {
          const target = spec.subcommands.find((c) => subName(spec.name, c) === rest.at(0));
          if (target === undefined) {
            throw new UsageError(`unknown subcommand ${JSON.stringify(rest.at(0))}`, spec.name);
          }
          io.stdout.write(target.help());
          return 0;
        }
        io.stdout.write(help());
        return 0;
      }
      const command = spec.subcommands.find((c) => subName(spec.name, c) === first);
      if (command === undefined) {
        throw new UsageError(`unknown subcommand ${JSON.stringify(first)}`, spec.name);
      }
      return command.run(rest, io);
    },
  };
}
