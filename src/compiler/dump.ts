// DSV3_DUMP=<dir>: every compile writes each stage's printed IR and each kernel's generated code under
// <dir>/<graph name>/, so a reader can follow what the compiler did step by step.

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

/** The dump directory asked for by the environment, if any. */
export const envDumpDir = (): string | undefined => process.env.DSV3_DUMP || undefined;
