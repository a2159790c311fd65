// Synthetic checkpoints for the model benchmarks: a config.json and random weights in the Hugging Face layout,
// written by `dsv3 init`'s writer (random-checkpoint.ts) in shards listed by model.safetensors.index.json, streamed
// to disk a band of rows at a time so that checkpoints of many GB are written in little memory. The draws are
// pooled (random-draws.ts): written in the disk's time, and tensors share values, which benchmarks do not mind.

import fs from 'node:fs';
import { openBackend } from '../src/backends/registry.js';
import { initCheckpoint, type InitDType } from '../src/models/deepseek/random-checkpoint.js';

export interface SyntheticCheckpoint {
  readonly dir: string;
  /** Bytes of the tensor data. */
  readonly bytes: number;
  readonly shards: number;
  readonly tensors: number;
}

/** Writes the folder `dir` (which must not exist): `config` and random weights for it in `dtype`, in shards of at most about `shardBytes`. */
export async function writeSyntheticCheckpoint(dir: string, config: Record<string, unknown>, dtype: InitDType, shardBytes: number): Promise<SyntheticCheckpoint> {
  const backend = await openBackend('cpu');
  try {
    const r = await initCheckpoint(config, dir, dir, { dtype, seed: 1, std: 0.006, force: false, backend, draws: 'pooled', shardBytes });
    return { dir, bytes: r.bytes, shards: fs.readdirSync(dir).filter((f) => f.endsWith('.safetensors')).length, tensors: r.tensors };
  } finally {
    backend.dispose();
  }
}
