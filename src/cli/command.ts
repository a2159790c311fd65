// A dsv3 subcommand: its name, a one-line summary, the help text, the options it accepts, and what it does.

import { parseArgs, type ParseArgsConfig } from 'node:util';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Usage and option descriptions, printed by `dsv3 <name> --help`. */
  readonly help: string;
  readonly options: Options;
  /** Whether positional arguments are accepted. */
  readonly positionals?: boolean;
  /** Runs the command; returns the process exit code. */
  run(values: Record<string, string | boolean | string[] | boolean[] | undefined>, positionals: string[]): Promise<number>;
}

/** An error in what the user typed: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseCommandArgs(cmd: Command, argv: string[]) {
  try {
    return parseArgs({ args: argv, options: { ...cmd.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: cmd.positionals ?? false, strict: true });
  } catch (e) {
    throw new UsageError(`dsv3 ${cmd.name}: ${(e as Error).message}\nRun 'dsv3 ${cmd.name} --help' for usage.`);
  }
}
