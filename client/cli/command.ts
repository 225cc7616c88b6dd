// CLI (primary adapter): the contract every `pouch` command implements, and the context the router hands it.
import type { Keystore, PassphraseSource } from '../keystore/keystore.ts';
import type { PouchClient } from '../sdk/pouch-client.ts';
import type { ProgressBar, ProgressOptions } from './progress.ts';

/** One command-line option. `description` and `valueName` feed `--help`; the rest goes to `parseArgs`. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  description: string;
  /** Placeholder shown in help for string options, e.g. `NAME`. */
  valueName?: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** The parsed values of a command's options, typed from its specs (absent options are undefined). */
export type OptionValues<O extends OptionSpecs> = {
  [K in keyof O]?: O[K]['type'] extends 'string'
    ? O[K]['multiple'] extends true
      ? string[]
      : string
    : O[K]['multiple'] extends true
      ? boolean[]
      : boolean;
};

export interface CommandArgs<O extends OptionSpecs> {
  values: OptionValues<O>;
  positionals: string[];
}

/** A writable text stream: `process.stdout`/`stderr` or a capture in tests. */
export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Everything a command may use. Commands never read `process` directly, so they run in tests too. */
export interface CommandContext {
  /** `--json`: print one machine-readable JSON document on stdout, nothing decorative anywhere. */
  readonly json: boolean;
  /** `--profile`, else `POUCH_PROFILE`, else undefined (commands that need one default to 'default'). */
  readonly profileName: string | undefined;
  /** `--url`, else `POUCH_URL`, else undefined. */
  readonly url: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly keystore: Keystore;
  /** Passphrases: `POUCH_PASSPHRASE`, else a no-echo prompt on a TTY, else a clear error. */
  readonly passphrase: PassphraseSource;
  /**
   * Print a result: `data` as JSON with `--json`, else `human` (a string or lines) on stdout.
   * @example ctx.print({ kid }, `kid: ${kid}`);
   */
  print(data: unknown, human: string | readonly string[]): void;
  /** A note for people (stderr); silent with `--json`. */
  note(message: string): void;
  /** A client for the selected profile, with `--url` applied and the profile's file token cache. */
  createClient(): Promise<PouchClient>;
  /** A progress bar on stderr: drawn only on a TTY and never with `--json`. */
  createProgress(options: Omit<ProgressOptions, 'stream' | 'enabled'>): ProgressBar;
}

/**
 * A `pouch` command. `name` is one or two words (`'whoami'`, `'keys new'`); options must not reuse the
 * global ones (`json`, `profile`, `url`, `help`). `run` resolves to an exit code (default 0) and throws
 * PouchErrors (or CliUsageError for bad input) that the router turns into one line on stderr.
 */
export interface CommandDefinition<O extends OptionSpecs = OptionSpecs> {
  name: string;
  summary: string;
  /** Positional arguments, by placeholder name, e.g. `['NAME']`; `optional` ones may be omitted. */
  /** `variadic`: the last name takes any number of arguments (`FILE...`). */
  positionals?: { names: readonly string[]; optional?: number; variadic?: boolean };
  options: O;
  /** Extra help text after the option list (examples, notes). */
  details?: string;
  run(ctx: CommandContext, args: CommandArgs<O>): Promise<number | undefined>;
}

/**
 * Declare a command with its option types inferred. Export it from its own file and add it to
 * `client/cli/commands/index.ts`.
 *
 * @example
 * export const pingCommand = defineCommand({
 *   name: 'ping', summary: 'Check the exchange answers', options: {},
 *   async run(ctx) { ctx.print(await (await ctx.createClient()).request('GET', '/v1/health'), 'ok'); return 0; },
 * });
 */
export function defineCommand<O extends OptionSpecs>(definition: CommandDefinition<O>): CommandDefinition<O> {
  return definition;
}
