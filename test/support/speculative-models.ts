// Checkpoints for the speculative-decoding tests: tiny random models (dsv3 init's weights) with a small vocabulary
// and 1 or 2 MTP modules; optionally with drafters that always propose token 0, so that greedy drafts are accepted
// exactly where the main model's argmax is 0 (random drafters of a random model agree with it too rarely to test).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Backend } from '../../src/backends/backend.js';
import { fileBytes } from '../../src/io/local-files.js';
import { SafetensorsFile, type FileArray, type TensorSpec } from '../../src/io/safetensors.js';
import { writeSafetensors } from '../../src/io/safetensors-writer.js';
import { initCheckpoint } from '../../src/models/deepseek/random-checkpoint.js';

const BASE = JSON.parse(fs.readFileSync('spec/golden/v3-tiny-mtp/config.json', 'utf8')) as Record<string, unknown>;

/** A config like the golden MTP case's, shrunk: `vocab` tokens, 2 layers (one dense, one MoE of 8 experts), `modules` MTP modules. */
export const tinyMtpConfig = (vocab: number, modules: number): Record<string, unknown> => ({
  ...BASE,
  vocab_size: vocab,
  hidden_size: 32,
  num_hidden_layers: 2,
  num_nextn_predict_layers: modules,
  n_routed_experts: 8,
  n_group: 2,
  topk_group: 1,
  num_experts_per_tok: 2,
  max_position_embeddings: 32,
  rope_scaling: null,
});

export interface TinyMtpOptions {
  readonly vocab: number;
  readonly modules: number;
  readonly seed: number;
  /** The weights' standard deviation: 0.02 gives flat logits, 0.3 peaked ones. */
  readonly std: number;
  /** Zero every MTP module's shared_head.norm weight: all-zero draft logits, so every greedy draft is token 0. */
  readonly zeroDrafts?: boolean;
}

/** Writes a random checkpoint of tinyMtpConfig into a fresh folder under the system's temporary folder and returns it (the caller removes its parent). */
export async function tinyMtpCheckpoint(backend: Backend, o: TinyMtpOptions): Promise<string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dsv3-speculative-'));
  const dir = path.join(root, 'model');
  const config = tinyMtpConfig(o.vocab, o.modules);
  await initCheckpoint(config, `tiny MTP config (vocab ${o.vocab}, ${o.modules} modules)`, dir, { dtype: 'f32', seed: o.seed, std: o.std, force: false, backend });
  if (o.zeroDrafts !== true) return dir;
  const edited = path.join(root, 'zero-drafts');
  fs.mkdirSync(edited);
  fs.copyFileSync(path.join(dir, 'config.json'), path.join(edited, 'config.json'));
  using f = SafetensorsFile.open(fileBytes(path.join(dir, 'model.safetensors')));
  const tensors: Record<string, TensorSpec & { data: FileArray }> = Object.fromEntries(f.names().map((n) => [n, { ...f.info(n), data: f.read(n).slice() as FileArray }]));
  for (const [name, t] of Object.entries(tensors)) if (name.endsWith('.shared_head.norm.weight')) (t.data as Float32Array).fill(0);
  writeSafetensors(path.join(edited, 'model.safetensors'), tensors);
  return edited;
}
