import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';
import type { CliIo } from './io.js';

/** One command-line option of a command. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** May be given several times (values collected in order). */
  multiple?: boolean;
  /** Placeholder for the value in the help, e.g. `FILE`. */
  value?: string;
  description: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** Parsed option values, typed from the specs. */
export type OptionValues<O extends OptionSpecs> = {
  [K in keyof O]: O[K]['type'] extends 'boolean'
    ? boolean | undefined
    : O[K]['multiple'] extends true
      ? string[] | undefined
      : string | undefined;
};

/** What a command receives besides its arguments. */
export interface CommandContext {
  io: CliIo;
  /** The command name, for error messages that point to its help. */
  command: string;
}

/** The positional arguments a command accepts. */
export interface PositionalSpec {
  /** Name in the help, e.g. `IN`. */
  name: string;
  description: string;
  /** Most positionals accepted (null: no limit). */
  max: number | null;
}

/** Everything that defines a command; its help is generated from it. */
export interface CommandSpec<O extends OptionSpecs> {
  name: string;
  /** One line for the command list. */
  summary: string;
  usage: readonly string[];
  description: readonly string[];
  options: O;
  positionals: PositionalSpec | null;
  examples?: readonly string[];
  run: (values: OptionValues<O>, positionals: string[], context: CommandContext) => Promise<number>;
}

/** A command spec without its typed `run`: what parsing and help need. */
export type SpecShape = Omit<CommandSpec<OptionSpecs>, 'run'>;

/** A registered command, its types erased. */
export interface Command {
  name: string;
  summary: string;
  help: () => string;
  run: (argv: readonly string[], io: CliIo) => Promise<number>;
}

const HELP_OPTION: OptionSpec = {
  type: 'boolean',
  short: 'h',
  description: 'show this help and exit',
};

export const EXIT_STATUS_HELP =
  'Exit status: 0 success; 1 failure (one line "datacrypt: E_CODE: ..." on stderr); ' +
  '2 usage error (E_USAGE); 130 interrupted.';

/**
 * Builds a command from its spec: strict `node:util` parsing, `-h/--help`, usage errors.
 * @example
 * export const pubkey = defineCommand({ name: 'pubkey', options: { identity: { type: 'string', short: 'i', ... } }, ... });
 */
export function defineCommand<const O extends OptionSpecs>(spec: CommandSpec<O>): Command {
  const help = (): string => formatHelp(spec);
  return {
    name: spec.name,
    summary: spec.summary,
    help,
    run: async (argv, io) => {
      const { values, positionals } = parse(spec, argv);
      if (values['help'] === true) {
        io.stdout.write(help());
        return 0;
      }
      const max = spec.positionals === null ? 0 : spec.positionals.max;
      if (max !== null && positionals.length > max) {
        const extra = positionals[max] ?? '';
        throw new UsageError(
          max === 0
            ? `unexpected argument ${JSON.stringify(extra)}`
            : `too many arguments (unexpected ${JSON.stringify(extra)})`,
          spec.name,
        );
      }
      return spec.run(values as OptionValues<O>, positionals, { io, command: spec.name });
    },
  };
}

function parse(
  spec: SpecShape,
  argv: readonly string[],
): { values: Record<string, unknown>; positionals: string[] } {
  const options: Record<
    string,
    { type: 'string' | 'boolean'; short?: string; multiple?: boolean }
  > = { help: { type: 'boolean', short: 'h' } };
  for (const [name, option] of Object.entries(spec.options)) {
    options[name] = {
      type: option.type,
      ...(option.short === undefined ? {} : { short: option.short }),
      ...(option.multiple === true ? { multiple: true } : {}),
    };
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: true,
      tokens: true,
    });
  } catch (error) {
    throw new UsageError(parseErrorMessage(error), spec.name);
  }
  const seen = new Map<string, number>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    const count = (seen.get(token.name) ?? 0) + 1;
    seen.set(token.name, count);
    const option = Object.hasOwn(spec.options, token.name) ? spec.options[token.name] : undefined;
    if (count === 2 && option?.multiple !== true && token.name !== 'help') {
      throw new UsageError(`${flagName(spec, token.name)} given more than once`, spec.name);
    }
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

function parseErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /^Unknown option '([^']+)'/u.exec(message);
  if (unknown) return `unknown option ${unknown[1]}`;
  const ambiguous = /^Option '([^']+)' argument is ambiguous/u.exec(message);
  if (ambiguous) {
    const flag = ambiguous[1].replace(/ <value>$/u, '');
    return `${flag} needs a value (write --option=VALUE for a value starting with "-")`;
  }
  const missing = /^Option '([^']+)' argument missing/u.exec(message);
  if (missing) return `${missing[1].replace(/ <value>$/u, '')} needs a value`;
  const noValue = /^Option '([^']+)' does not take an argument/u.exec(message);
  if (noValue) return `${noValue[1]} does not take a value`;
  const first = message.split(/\.\s|\n/u)[0] ?? message;
  return first.charAt(0).toLowerCase() + first.slice(1);
}

function flagName(spec: SpecShape, name: string): string {
  const option = Object.hasOwn(spec.options, name) ? spec.options[name] : undefined;
  const short = option?.short;
  return short === undefined ? `--${name}` : `-${short}/--${name}`;
}

/**
 * The help text of a command, generated from its spec so every option is listed.
 * @example
 * process.stdout.write(formatHelp(spec));
 */
export function formatHelp(spec: SpecShape): string {
  const rows: [string, string][] = Object.entries({ ...spec.options, help: HELP_OPTION }).map(
    ([name, option]) => {
      const flag = `${option.short === undefined ? '    ' : `-${option.short}, `}--${name}`;
      return [option.value === undefined ? flag : `${flag} ${option.value}`, option.description];
    },
  );
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  const lines = [
    `datacrypt ${spec.name}: ${spec.summary}`,
    '',
    'Usage:',
    ...spec.usage.map((u) => `  ${u}`),
    '',
    ...spec.description,
    '',
  ];
  if (spec.positionals !== null) {
    lines.push(
      'Arguments:',
      `  ${spec.positionals.name.padEnd(width)}${spec.positionals.description}`,
      '',
    );
  }
  lines.push('Options:', ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`), '');
  if (spec.examples !== undefined && spec.examples.length > 0) {
    lines.push('Examples:', ...spec.examples.map((e) => `  ${e}`), '');
  }
  lines.push(EXIT_STATUS_HELP, '');
  return lines.join('\n');
}
