#!/usr/bin/env node
// The `dsv3` command: runs the compiled CLI (built by `npm install`/`npm ci` through the `prepare` script) in a child
// process whose native stderr is filtered, which keeps Dawn's start-up warnings off the terminal
// (src/cli/native-stderr.ts).
import { fileURLToPath } from 'node:url';
import { adoptParentStderr, isFilteredChild, runFilteringNativeStderr } from '../dist/src/cli/native-stderr.js';

if (isFilteredChild()) {
  adoptParentStderr();
  const { main } = await import('../dist/src/cli/main.js');
  process.exitCode = await main(process.argv.slice(2));
} else {
  process.exitCode = await runFilteringNativeStderr(fileURLToPath(import.meta.url), process.argv.slice(2));
}
