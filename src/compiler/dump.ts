// DSV3_DUMP=<dir>: every compile writes each stage's printed IR and each kernel's generated code under
// <dir>/<graph name>/, so a reader can follow what the compiler did step by step. It writes files, so only Node code
// loads it: the Node entry (src/index.ts) and the command line install `dumpFiles` as the backends' dump writer
// (backends/sdk/environment.ts), and the browser entry never reaches this module.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-file.js';

/** A dump sink writing numbered stage files into `dir/<name>/`; undefined when `dir` is. */
export function dumpTo(dir: string | undefined, name: string): ((stage: string, text: string) => void) | undefined {
  if (!dir) return undefined;
  const root = join(dir, name);
  mkdirSync(root, { recursive: true });
  return (stage, text) => {
    const file = join(root, stage.includes('.') ? stage : `${stage}.txt`);
    mkdirSync(join(file, '..'), { recursive: true });
    // A reader never sees half a stage, and a stage of an earlier compile is replaced; no syncs: a dump need not outlive a power cut.
    writeFileAtomic(file, text, { overwrite: true, sync: false });
  };
}

/** The backends' dump writer: every graph's stages under `dir/<graph name>/`. */
export const dumpFiles = (dir: string) => (graph: string, stage: string, text: string): void => dumpTo(dir, graph)!(stage, text);
