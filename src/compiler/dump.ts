// DSV3_DUMP=<dir>: every compile writes each stage's printed IR and each kernel's generated code under
// <dir>/<graph name>/, so a reader can follow what the compiler did step by step. It writes files, so backends load
// it only when a dump is asked for (backends/sdk/environment.ts), and a browser never does.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A dump sink writing numbered stage files into `dir/<name>/`; undefined when `dir` is. */
export function dumpTo(dir: string | undefined, name: string): ((stage: string, text: string) => void) | undefined {
  if (!dir) return undefined;
  const root = join(dir, name);
  mkdirSync(root, { recursive: true });
  return (stage, text) => {
    const file = join(root, stage.includes('.') ? stage : `${stage}.txt`);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
  };
}
