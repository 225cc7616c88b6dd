// CLI (primary adapter): the command router — finds the command, parses options with node:util parseArgs,
// runs it, and turns every failure into one line on stderr with exit code 2 (usage) or 1.
import { parseArgs } from 'node:util';
import { CliUsageError } from './cli-errors.ts';
import type { CommandDefinition, OptionSpecs, OptionValues } from './command.ts';
import { type CliIo, createCommandContext } from './command-context.ts';
import { describeError } from './describe-error.ts';
import { terminalLine } from './terminal-text.ts';

/** Options every command accepts. Commands must not define options with these names. */
export const globalOptions = {
  json: { type: 'boolean', description: 'print machine-readable JSON on stdout' },
  profile: {
    type: 'string',
    valueName: 'NAME',
    description: 'profile to use (default: POUCH_PROFILE or "default")',
  },
  url: {
    type: 'string',
    valueName: 'URL',
    description: 'exchange base URL (default: the profile’s, or POUCH_URL)',
  },
  help: { type: 'boolean', short: 'h', description: 'show help' },
} as const satisfies OptionSpecs;

type AnyCommand = CommandDefinition<OptionSpecs>;

type ParseOptions = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

function toParseOptions(specs: OptionSpecs): ParseOptions {
  const options: ParseOptions = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  return options;
}

/**
 * Put a command's arguments in the form parseArgs reads without guessing. A key fingerprint (base64url) starts
 * with a dash in 1 case of 64, and parseArgs alone calls such an option value ambiguous and reads such a
 * positional (`pouch directory pin AUTHORITY -Xy…`) as unknown short options. So:
 * - an option that takes a value always takes the next argument (`--exchange-key -Xy…` → `--exchange-key=-Xy…`);
 * - an argument with one dash is an option only when parseArgs would accept it as one: a known short flag or group
 *   of known short flags, or a known value-taking short with its value (`-ofile`). Any other is a positional, and
 *   then the options go first, then `--`, then the positionals in their order.
 * Long options stay options (an unknown one is still refused), `--` still ends the options, and an option left
 * without its value is left for parseArgs to report.
 */
function arrangeArgs(args: readonly string[], specs: OptionSpecs): string[] {
  const longTakesValue = new Set<string>();
  const shortTakesValue = new Set<string>();
  const shortFlags = new Set<string>();
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.type === 'string') longTakesValue.add(`--${name}`);
    if (spec.short) (spec.type === 'string' ? shortTakesValue : shortFlags).add(spec.short);
  }
  // `inline` keeps the arguments in their order with the values joined; `options` and `positionals` split them.
  const inline: string[] = [];
  const options: string[] = [];
  const positionals: string[] = [];
  let dashPositional = false;
  let missingValue = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      inline.push(...args.slice(i));
      positionals.push(...args.slice(i + 1));
      break;
    }
    const dashed = arg.length > 1 && arg.startsWith('-');
    const short = dashed && !arg.startsWith('--') ? arg.slice(1) : '';
    if (longTakesValue.has(arg) || (short.length === 1 && shortTakesValue.has(short))) {
      const next = args[i + 1];
      let joined = arg;
      if (next === undefined || next === '--') missingValue = true;
      else {
        joined = arg.startsWith('--') ? `${arg}=${next}` : `${arg}${next}`;
        i++;
      }
      inline.push(joined);
      options.push(joined);
    } else if (
      arg.startsWith('--') ||
      shortTakesValue.has(short.charAt(0)) ||
      (short !== '' && [...short].every((c) => shortFlags.has(c)))
    ) {
      inline.push(arg);
      options.push(arg);
    } else {
      if (dashed) dashPositional = true;
      inline.push(arg);
      positionals.push(arg);
    }
  }
  // Only a positional with a dash needs the split; an option left without its value is parseArgs's to report.
  return dashPositional && !missingValue ? [...options, '--', ...positionals] : inline;
}

/** Check a registry once: unique names, no clash with global options. Throws on a programming error. */
export function validateRegistry(commands: readonly AnyCommand[]): void {
  const seen = new Set<string>();
  for (const command of commands) {
    if (seen.has(command.name)) throw new Error(`duplicate command '${command.name}'`);
    seen.add(command.name);
    for (const option of Object.keys(command.options)) {
      if (option in globalOptions)
        throw new Error(`command '${command.name}' redefines global option --${option}`);
    }
  }
}

function formatOptions(specs: OptionSpecs): string[] {
  return Object.entries(specs).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` ${spec.valueName ?? 'VALUE'}` : ''}`;
    return `  ${flag.padEnd(28)} ${spec.description}`;
  });
}

/** Help for one command. */
export function formatCommandHelp(command: AnyCommand): string {
  const positionals = command.positionals;
  const names = positionals?.names ?? [];
  const optional = positionals?.optional ?? 0;
  const args = names
    .map((name, index) => {
      const shown = positionals?.variadic && index === names.length - 1 ? `${name}...` : name;
      return index >= names.length - optional ? `[${shown}]` : shown;
    })
    .join(' ');
  const lines = [`Usage: pouch ${command.name}${args ? ` ${args}` : ''} [options]`, '', command.summary];
  if (Object.keys(command.options).length > 0) lines.push('', 'Options:', ...formatOptions(command.options));
  lines.push('', 'Global options:', ...formatOptions(globalOptions));
  if (command.details) lines.push('', command.details);
  return `${lines.join('\n')}\n`;
}

/** Help for all commands (or those under a group such as `keys`). */
export function formatOverviewHelp(commands: readonly AnyCommand[], group?: string): string {
  const shown = commands.filter((command) => !group || command.name.startsWith(`${group} `));
  const width = Math.max(...shown.map((command) => command.name.length), 8) + 2;
  const lines = [
    `Usage: pouch ${group ?? '<command>'}${group ? ' <subcommand>' : ' [subcommand]'} [options]`,
    '',
    'Pouch: secure document exchange between central authorities.',
    '',
    'Commands:',
    ...shown.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    '',
    'Global options:',
    ...formatOptions(globalOptions),
    '',
    `Run 'pouch <command> --help' for a command's options. Set POUCH_DEBUG=1 for stack traces.`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Node's parseArgs messages run to several sentences; keep the first, in our voice. */
function rewordParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split(/\.\s/)[0] ?? message;
  return first.charAt(0).toLowerCase() + first.slice(1).replace(/\.$/, '');
}

/** What an exchange id looks like (`exch_` and 22 base64url characters), checked before any request is made. */
const EXCHANGE_ID = /^exch_[A-Za-z0-9_-]{22}$/;

/**
 * A positional named EXCHANGE must be an exchange id: a typo is a usage mistake (exit 2) said in plain words,
 * not a 404 or a schema message from the exchange.
 */
function checkIdArguments(command: AnyCommand, positionals: readonly string[]): void {
  const names = command.positionals?.names ?? [];
  names.forEach((name, index) => {
    const value = positionals[index];
    if (name === 'EXCHANGE' && value !== undefined && !EXCHANGE_ID.test(value)) {
      throw new CliUsageError(
        `'${value}' is not an exchange id: one looks like exch_ and 22 letters, digits, - or _ ('pouch inbox' lists yours)`,
        command.name,
      );
    }
  });
}

interface Resolved {
  command: AnyCommand | undefined;
  /** Indexes in argv of the words that named the command (removed before the strict parse). */
  wordIndexes: number[];
  /** Words typed that are not a command, for the error message. */
  unknown: string[];
  /**
   * Help asked for, as the lenient pass sees it: only good enough when no command is found, since it does not
   * know a command's value-taking options (`--exchange-key -hQx…`, a fingerprint, reads there as -h).
   */
  help: boolean;
  /** `pouch help <command>`: the strict parse of a found command decides `--help` itself. */
  helpWord: boolean;
  json: boolean;
}

function resolveCommand(argv: readonly string[], commands: readonly AnyCommand[]): Resolved {
  // A lenient first pass only to find the command words; the strict pass below validates everything.
  const { tokens, values } = parseArgs({
    args: [...argv],
    options: toParseOptions(globalOptions),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const positionals = tokens.filter((token) => token.kind === 'positional');
  const help = values.help === true;
  const json = values.json === true;
  // `pouch help keys new` is `pouch keys new --help`.
  const helpWord = positionals[0]?.value === 'help' ? 1 : 0;
  const words = positionals.slice(helpWord);
  let best: AnyCommand | undefined;
  let bestLength = 0;
  for (const command of commands) {
    const parts = command.name.split(' ');
    if (parts.length > words.length || parts.length <= bestLength) continue;
    if (parts.every((part, index) => words[index]?.value === part)) {
      best = command;
      bestLength = parts.length;
    }
  }
  return {
    command: best,
    wordIndexes: positionals.slice(0, helpWord + bestLength).map((token) => token.index),
    unknown: words.slice(0, 2).map((token) => token.value),
    help: help || helpWord === 1,
    helpWord: helpWord === 1,
    json,
  };
}

/**
 * Run `pouch` with the given arguments and resolve to the exit code. Never throws.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), commands, { stdout, stderr, stdin, env });
 */
export async function runCli(
  argv: readonly string[],
  commands: readonly AnyCommand[],
  io: CliIo,
): Promise<number> {
  let json = argv.includes('--json');
  try {
    const resolved = resolveCommand(argv, commands);
    json = resolved.json;
    const { command } = resolved;
    if (!command) {
      const group = resolved.unknown[0];
      const isGroup =
        group !== undefined && commands.some((candidate) => candidate.name.startsWith(`${group} `));
      if (resolved.unknown.length === 0 || (resolved.help && (isGroup || resolved.unknown.length === 0))) {
        io.stdout.write(formatOverviewHelp(commands, isGroup ? group : undefined));
        return 0;
      }
      if (isGroup && resolved.unknown.length === 1) {
        throw new CliUsageError(`'pouch ${group}' needs a subcommand`, group);
      }
      throw new CliUsageError(`unknown command '${resolved.unknown.join(' ')}'`, isGroup ? group : undefined);
    }

    const rest = argv.filter((_, index) => !resolved.wordIndexes.includes(index));
    let parsed: { values: Record<string, unknown>; positionals: string[] };
    try {
      const specs = { ...globalOptions, ...command.options };
      parsed = parseArgs({
        args: arrangeArgs(rest, specs),
        options: toParseOptions(specs),
        strict: true,
        allowPositionals: true,
      });
    } catch (error) {
      throw new CliUsageError(rewordParseError(error), command.name);
    }
    if (parsed.values.help === true || resolved.helpWord) {
      io.stdout.write(formatCommandHelp(command));
      return 0;
    }
    const names = command.positionals?.names ?? [];
    const min = names.length - (command.positionals?.optional ?? 0);
    if (parsed.positionals.length < min) {
      throw new CliUsageError(
        `missing ${names.slice(parsed.positionals.length, min).join(' ')}`,
        command.name,
      );
    }
    if (!command.positionals?.variadic && parsed.positionals.length > names.length) {
      throw new CliUsageError(`unexpected argument '${parsed.positionals[names.length]}'`, command.name);
    }
    checkIdArguments(command, parsed.positionals);
    const { json: jsonValue, profile, url, help: _help, ...values } = parsed.values;
    const ctx = createCommandContext(
      {
        json: jsonValue === true,
        profile: typeof profile === 'string' ? profile : undefined,
        url: typeof url === 'string' ? url : undefined,
      },
      io,
    );
    // parseArgs produced these from the command's own specs, so they have the declared types.
    const typed = values as OptionValues<OptionSpecs>;
    return (await command.run(ctx, { values: typed, positionals: parsed.positionals })) ?? 0;
  } catch (error) {
    const failure = describeError(error);
    if (json) {
      io.stderr.write(`${JSON.stringify({ error: { code: failure.code, message: failure.message } })}\n`);
    } else {
      // Messages start as sentences; after 'pouch: ' they read better in lower case ("no profile ...").
      const line = /^[A-Z][a-z]/.test(failure.message)
        ? failure.message.charAt(0).toLowerCase() + failure.message.slice(1)
        : failure.message;
      // Error messages can quote the exchange's problem detail or a counterpart's value: one safe line.
      io.stderr.write(`pouch: ${terminalLine(line)}\n`);
    }
    if (io.env.POUCH_DEBUG === '1' && error instanceof Error && error.stack) {
      io.stderr.write(`${error.stack}\n`);
      if (error.cause instanceof Error && error.cause.stack) io.stderr.write(`cause: ${error.cause.stack}\n`);
    }
    return failure.exitCode;
  }
}
