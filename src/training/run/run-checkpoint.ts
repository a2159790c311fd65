// A training run's checkpoint (Node only): OUT/checkpoint, one folder holding the model in the Hugging Face layout
// (config.json and model.safetensors in f32, the MTP modules and every e_score_correction_bias included, so every
// model command loads it) and beside it the rest of the run's state: optimizer.safetensors (AdamW's moments, under
// torch's names exp_avg.<name> and exp_avg_sq.<name>) and trainer-state.json (the steps taken, which is also the
// data position: batches.ts). The folder is built under a temporary name and swapped in whole
// (checkpoint-writer.ts), so a run killed at any moment leaves the previous checkpoint or the new one.

import { join } from 'node:path';
import { fileBytes, directoryFiles } from '../../io/local-files.js';
import type { FileSet } from '../../io/file-set.js';
import { SafetensorsFile, type FileArray, type TensorSpec } from '../../io/safetensors.js';
import { writeSafetensors } from '../../io/safetensors-writer.js';
import { writeFileAtomic } from '../../io/atomic-file.js';
import { writeCheckpoint, type RowRange } from '../../models/deepseek/checkpoint-writer.js';
import { checkpointTensors, type CheckpointTensor } from '../../models/deepseek/layout.js';
import { rowWidth } from '../../models/deepseek/random-draws.js';
import type { AdamW, Moments } from '../adamw.js';
import type { TrainingParameters } from '../parameters.js';

export const CHECKPOINT_FOLDER = 'checkpoint';
const OPTIMIZER_FILE = 'optimizer.safetensors';
const STATE_FILE = 'trainer-state.json';

export interface TrainerState {
  /** Steps taken (the optimizer's step count, and the index of the next batch). */
  readonly step: number;
}

/** The config.json of the checkpoints a run writes: its weights are f32, so no quantization_config. */
export function f32Config(json: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { quantization_config: _fp8, ...rest } = json;
  return 'torch_dtype' in rest ? { ...rest, torch_dtype: 'float32' } : rest;
}

/** The folder of run `runDir`'s checkpoint. */
export const checkpointFolder = (runDir: string): string => join(runDir, CHECKPOINT_FOLDER);

/** Writes the checkpoint of the run in `runDir` after `state.step` steps, replacing the previous one whole. */
export async function writeRunCheckpoint(runDir: string, config: Readonly<Record<string, unknown>>, parameters: TrainingParameters, optimizer: AdamW, state: TrainerState): Promise<void> {
  const values = (name: string): Float32Array => parameters.values.get(name) ?? parameters.biases.get(name)!;
  const rows = (t: CheckpointTensor, r: RowRange): Float32Array => values(t.name).subarray(r.start * rowWidth(t), (r.start + r.count) * rowWidth(t));
  const moments: Record<string, TensorSpec & { data: FileArray }> = {};
  for (const name of parameters.values.keys()) {
    const s = optimizer.state(name);
    if (s === undefined) continue;
    const shape = parameters.shape(name);
    moments[`exp_avg.${name}`] = { dtype: 'F32', shape, data: s.m };
    moments[`exp_avg_sq.${name}`] = { dtype: 'F32', shape, data: s.v };
  }
  await writeCheckpoint(
    checkpointFolder(runDir),
    {
      config: f32Config(config),
      tensors: checkpointTensors(parameters.layout),
      source: { dtype: () => 'F32', data: rows, f32: rows },
      extraFiles: (folder) => {
        writeSafetensors(folder.file(OPTIMIZER_FILE), moments, { metadata: { step: String(optimizer.step) } });
        writeFileAtomic(folder.file(STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
      },
    },
    true,
  );
}

export interface SavedRun {
  /** The checkpoint's model files, for loadModel. */
  readonly files: FileSet;
  readonly state: TrainerState;
  /** Each parameter's AdamW moments. */
  readonly moments: Map<string, Moments>;
}

/** Reads the checkpoint of the run in `runDir`; throws naming the file that is missing or malformed. */
export function readRunCheckpoint(runDir: string): SavedRun {
  const dir = checkpointFolder(runDir);
  const files = directoryFiles(dir);
  for (const f of [STATE_FILE, OPTIMIZER_FILE, 'config.json']) if (!files.has(f)) throw new Error(`${files.pathOf(f)}: missing; ${runDir} holds no checkpoint of a training run to resume`);
  const state = JSON.parse(files.text(STATE_FILE)) as Partial<TrainerState>;
  if (!Number.isSafeInteger(state.step) || state.step! < 0) throw new Error(`${files.pathOf(STATE_FILE)}: "step" must be an integer >= 0, got ${JSON.stringify(state.step)}`);
  using f = SafetensorsFile.open(fileBytes(files.pathOf(OPTIMIZER_FILE)));
  const optimizerStep = Number(f.metadata.step);
  if (optimizerStep !== state.step) throw new Error(`${files.pathOf(OPTIMIZER_FILE)}: its step (${f.metadata.step}) is not the checkpoint's (${state.step})`);
  const moments = new Map<string, Moments>();
  for (const name of f.names().filter((n) => n.startsWith('exp_avg.'))) {
    const param = name.slice('exp_avg.'.length);
    const read = (n: string) => f.read(n) as Float32Array;
    moments.set(param, { m: read(name), v: read(`exp_avg_sq.${param}`) });
  }
  return { files, state: { step: state.step! }, moments };
}
