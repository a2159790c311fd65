// The `dsv3` command line: a table of subcommands, each in its own file under commands/.

import { installDumpWriter } from '../backends/sdk/environment.js';
import { dumpFiles } from '../compiler/dump.js';
import { CheckFailure, EXIT, parseCommandArgs, UsageError, type Command } from './command.js';
import { cast } from './commands/cast.js';
import { compileCommand } from './commands/compile.js';
import { demo } from './commands/demo.js';
import { diff } from './commands/diff.js';
import { eplb } from './commands/eplb.js';
import { forward } from './commands/forward.js';
import { generate } from './commands/generate.js';
import { init } from './commands/init.js';
import { report } from './commands/report.js';
import { train } from './commands/train.js';
import { inspect } from './commands/inspect.js';
import { quantize } from './commands/quantize.js';
import { trainStepCommand } from './commands/train-step.js';
import { verify } from './commands/verify.js';
import { packageVersion } from './package-root.js';

const COMMANDS: readonly Command[] = [demo, compileCommand, verify, diff, inspect, forward, generate, init, quantize, cast, trainStepCommand, train, report, eplb];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'dsv3 — a TypeScript reference implementation of DeepSeek-V3 built around a compute-graph compiler.',
    '',
    'Usage: dsv3 <command> [options]',
    '       dsv3 --version',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'dsv3 <command> --help' for a command's options.",
    '',
    'Exit status: 0 done, every check passed; 1 a check of the results failed (a tensor out of tolerance, nothing',
    'compared, non-finite outputs); 2 the work could not be done (bad usage or input, an existing output without',
    '--force, an error).',
  ].join('\n');
}

/** Runs the command line `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  installDumpWriter(dumpFiles);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? EXIT.error : EXIT.ok;
  }
  if (name === '--version') {
    if (rest.length > 0) {
      console.error(`dsv3: --version takes no arguments, got ${rest.join(' ')}`);
      return EXIT.error;
    }
    console.log(`dsv3 ${packageVersion()}`);
    return EXIT.ok;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    console.error(`dsv3: unknown command "${name}"; expected one of ${COMMANDS.map((c) => c.name).join(', ')}\nRun 'dsv3 --help' for usage.`);
    return EXIT.error;
  }
  try {
    const { values, positionals } = parseCommandArgs(cmd, rest);
    if (values.help) {
      console.log(cmd.help);
      return EXIT.ok;
    }
    return await cmd.run(values, positionals);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(e.message);
      return EXIT.error;
    }
    console.error(`dsv3 ${cmd.name}: ${e instanceof Error ? e.message : String(e)}`);
    return e instanceof CheckFailure ? EXIT.checkFailed : EXIT.error;
  }
}
