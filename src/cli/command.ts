// A dsv3 subcommand: its name, a one-line summary, the help text, the options it accepts, and what it does; and the
// conventions every command shares: the exit codes, options given at most once (unless documented as repeatable),
// numbers written in plain decimal, and what --force means.

import fs from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** The exit code of every command (README.md, "Exit codes"). */
export const EXIT = {
  /** The work is done and every check passed. */
  ok: 0,
  /** The work ran and a check of its results failed: a tensor out of tolerance, nothing compared, non-finite outputs. */
  checkFailed: 1,
  /** The work could not be done: bad usage, an input that cannot be used, an existing output without --force, an error. */
  error: 2,
} as const;

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Usage and option descriptions, printed by `dsv3 <name> --help`. */
  readonly help: string;
  /** The options; only those with `multiple: true` may be given more than once (their help says "repeat"). */
  readonly options: Options;
  /** Whether positional arguments are accepted. */
  readonly positionals?: boolean;
  /** Runs the command; returns the process exit code (EXIT). */
  run(values: Record<string, string | boolean | string[] | boolean[] | undefined>, positionals: string[]): Promise<number>;
}

/** An error in what the user typed: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The work ran and a check of its results failed: printed without a stack trace, exit code 1. */
export class CheckFailure extends Error {
  override name = 'CheckFailure';
}

const helpHint = (cmd: Command) => `Run 'dsv3 ${cmd.name} --help' for usage.`;

export function parseCommandArgs(cmd: Command, argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...cmd.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: cmd.positionals ?? false, strict: true, tokens: true });
  } catch (e) {
    throw new UsageError(`dsv3 ${cmd.name}: ${(e as Error).message}\n${helpHint(cmd)}`);
  }
  // parseArgs keeps the last of a repeated option: `--decode 7 --decode 8` would silently run one step.
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option' || cmd.options[token.name]?.multiple) continue;
    if (seen.has(token.name)) throw new UsageError(`dsv3 ${cmd.name}: --${token.name} is given more than once; it takes one value\n${helpHint(cmd)}`);
    seen.add(token.name);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** An option's integer value, written in decimal digits with an optional minus sign (not 0x10, 1e2 or +5), >= `min`. */
export function integerOption(command: string, option: string, text: string, min = Number.MIN_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n) || n < min)
    throw new UsageError(`dsv3 ${command}: --${option} must be an integer${min === Number.MIN_SAFE_INTEGER ? '' : ` >= ${min}`}, got "${text}"`);
  return n;
}

/** An option's number, written in decimal (0.7, 1.5e-3), finite. */
export function numberOption(command: string, option: string, text: string): number {
  const x = Number(text);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) || !Number.isFinite(x)) throw new UsageError(`dsv3 ${command}: --${option} must be a decimal number, got "${text}"`);
  return x;
}

/**
 * --force, the same in every command that writes: without it, an existing output stops the command before any work.
 * An output of the other kind (a folder where a file is to be written, or a file where a folder is) stops it either way.
 */
export function refuseExisting(command: string, path: string, force: boolean, kind: 'file' | 'folder'): void {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(path, { throwIfNoEntry: false });
  } catch (e) {
    // A file where a folder of the path should be: nothing exists at the path, and the output checks name the file.
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return;
    throw e;
  }
  if (stat === undefined) return;
  if (stat.isDirectory() !== (kind === 'folder')) throw new UsageError(`dsv3 ${command}: ${path} is ${stat.isDirectory() ? 'a folder' : 'not a folder'}; expected the path of a ${kind} to write`);
  if (!force) throw new UsageError(`dsv3 ${command}: ${path} already exists; pass --force to replace it`);
}
