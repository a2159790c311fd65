// A finding on disk: STEM.graph holds the shrunk graph in the IR text form (src/ir/print.ts), STEM.safetensors its
// inputs, with the backend, profile, seed, donated inputs and the failure in the file's metadata. Both are written
// under temporary names and renamed (src/io/atomic-file.ts), so a crash leaves no half-written file, and an existing
// file is never replaced: a taken stem gets a numbered suffix.

import fs from 'node:fs';
import path from 'node:path';
import { parseGraph, printGraph, type DType, type TensorData } from '../../src/ir/index.js';
import { writeFileAtomic } from '../../src/io/atomic-file.js';
import { SafetensorsFile, type FileArray, type FileDType } from '../../src/io/safetensors.js';
import { writeSafetensors } from '../../src/io/safetensors-writer.js';
import { fileBytes } from '../../src/io/local-files.js';
import type { Finding } from './campaign.js';
import { fuzzCase, PROFILE_NAMES, type FuzzCase, type ProfileName } from './profiles.js';

const FILE_DTYPE: Readonly<Record<DType, FileDType>> = {
  f32: 'F32',
  f16: 'F16',
  bf16: 'BF16',
  f8e4m3fn: 'F8_E4M3',
  f8e5m2: 'F8_E5M2',
  i32: 'I32',
  u8: 'U8',
  bool: 'BOOL',
};

/** The inputs file that goes with graph file `graphPath`. */
export const inputsPath = (graphPath: string): string => graphPath.replace(/\.graph$/, '') + '.safetensors';

/** Writes `f` under `dir` (created if needed); returns the graph file's path. */
export function writeReproducer(dir: string, f: Finding): string {
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `${f.backend}-${f.profile}-${f.seed >>> 0}`);
  let stem = base;
  for (let n = 1; fs.existsSync(`${stem}.graph`) || fs.existsSync(`${stem}.safetensors`); n++) stem = `${base}-${n}`;
  const metadata = { backend: f.backend, profile: f.profile, seed: String(f.seed), donate: JSON.stringify(f.case.donate), failure: f.failure };
  const tensors = Object.fromEntries(Object.entries(f.case.inputs).map(([name, t]) => [name, { dtype: FILE_DTYPE[t.dtype], shape: t.shape, data: t.data as FileArray }]));
  writeSafetensors(`${stem}.safetensors`, tensors, { metadata });
  writeFileAtomic(`${stem}.graph`, printGraph(f.case.graph) + '\n');
  return `${stem}.graph`;
}

export interface Reproducer {
  readonly backend: string;
  readonly profile: ProfileName;
  readonly seed: number;
  readonly failure: string;
  readonly case: FuzzCase;
}

/** Reads the finding saved as `graphPath` and the inputs file beside it. */
export function readReproducer(graphPath: string): Reproducer {
  const graph = parseGraph(fs.readFileSync(graphPath, 'utf8'));
  const file = SafetensorsFile.open(fileBytes(inputsPath(graphPath)));
  try {
    const meta = file.metadata;
    const profile = meta.profile as ProfileName;
    if (!PROFILE_NAMES.includes(profile)) throw new Error(`${file.path}: metadata "profile" is ${JSON.stringify(meta.profile)}, expected one of ${PROFILE_NAMES.join(', ')}`);
    if (meta.backend === undefined) throw new Error(`${file.path}: metadata has no "backend"`);
    const inputs: Record<string, TensorData> = Object.fromEntries(file.names().map((name) => [name, file.readIR(name)]));
    const donate = JSON.parse(meta.donate ?? '[]') as string[];
    return { backend: meta.backend, profile, seed: Number(meta.seed), failure: meta.failure ?? '', case: fuzzCase(profile, graph, inputs, donate) };
  } finally {
    file.close();
  }
}
