// A checkpoint of random weights for a config.json, in the Hugging Face layout every command loads: for trying a
// variant (other ranks, expert counts, routing, MTP depth, FP8 block size) without training one. As DeepSeek-V3 is
// initialised (spec/techniques.md §Initialisation): every weight matrix and the embedding drawn from N(0, std²), std 0.006
// by default; RMSNorm weights 1 and the routers' e_score_correction_bias 0, as Hugging Face initialises them; each
// MTP module's embed_tokens and shared_head.head are copies of the main embedding and head, as in DeepSeek's release.
// Each tensor draws from its own stream, seeded by the seed and its name, so a tensor's values do not depend on the
// other tensors: a variant with one more MTP module keeps every other weight (pooled draws, for checkpoints at real
// size, trade that for speed: random-draws.ts). Tensors are streamed to disk a band of rows at a time, into one
// file or into shards with an index. Node only: it writes files.

import fs from 'node:fs';
import { dirname } from 'node:path';
import type { Backend } from '../../backends/backend.js';
import type { Progress } from '../../backends/progress.js';
import { fileDTypeBytes, type FileDType } from '../../io/safetensors.js';
import { encodeBf16 } from '../../numerics/index.js';
import { checkpointSpecs, quantizationConfig, writeCheckpoint, type Fp8Target, type RowRange, type TensorSource } from './checkpoint-writer.js';
import { parseModelConfig } from './config.js';
import { checkpointTensors, fp8Block, modelLayout, type CheckpointTensor, type ModelLayout } from './layout.js';
import { normalDraws, type Draws, type DrawKind } from './random-draws.js';

export type InitDType = 'f32' | 'bf16' | 'fp8';

export interface InitOptions {
  /** f32 or bf16: every tensor in that dtype; fp8: Linear weights in DeepSeek's FP8 layout, the rest in f32. */
  readonly dtype: InitDType;
  readonly seed: number;
  /** The standard deviation of the normal weights. */
  readonly std: number;
  /** Write into an existing folder, replacing its checkpoint files. */
  readonly force: boolean;
  /** Quantises the FP8 blocks (dtype fp8). */
  readonly backend: Backend;
  /** Told of the tensors as they are drawn and written. */
  readonly progress?: Progress;
  /** Independent draws for every tensor (the default), or pooled ones (random-draws.ts): benchmarks at real size. */
  readonly draws?: DrawKind;
  /** Shards of at most about this many bytes with model.safetensors.index.json, instead of one model.safetensors. */
  readonly shardBytes?: number;
}

export interface InitSummary {
  readonly tensors: number;
  readonly parameters: number;
  readonly bytes: number;
}

const elements = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * How each tensor of the layout starts, a band of rows at a time: normal draws (its own, or those of the main tensor
 * it copies), or a constant.
 */
export function initialValues(layout: ModelLayout, draws: Draws, stored: FileDType): Pick<TensorSource, 'f32' | 'data'> {
  const copies = new Map(layout.mtp.flatMap((m) => [[m.embed.name, layout.embed.name], [m.head.name, layout.head.name]] as const));
  const biases = new Set([...layout.layers, ...layout.mtp.map((m) => m.block)].flatMap((l) => (l.ffn.kind === 'moe' && l.ffn.moe.bias ? [l.ffn.moe.bias.name] : [])));
  // The vectors that are not router biases are RMSNorm weights.
  const constant = (t: CheckpointTensor): number | undefined => (biases.has(t.name) ? 0 : t.shape.length === 1 ? 1 : undefined);
  const filled = (value: number, rows: RowRange) => new Float32Array(rows.count).fill(value);
  return {
    f32: (t, rows) => {
      const c = constant(t);
      return c === undefined ? draws.f32(t, copies.get(t.name) ?? t.name, rows) : filled(c, rows);
    },
    data: (t, rows) => {
      const c = constant(t);
      if (c !== undefined) return stored === 'BF16' ? encodeBf16(filled(c, rows)) : filled(c, rows);
      return draws.data(t, copies.get(t.name) ?? t.name, rows);
    },
  };
}

/** Bytes free on the disk holding `path` (or the nearest folder above it that exists). */
function freeBytes(path: string): number {
  let dir = path;
  while (!fs.existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

/**
 * Writes a random checkpoint for the config.json object `json` (`where` names it in errors) into `dst`: config.json
 * (with a quantization_config for fp8, [128, 128] blocks unless the config names its own) and model.safetensors,
 * after checking that the disk has room for it.
 */
export async function initCheckpoint(json: Record<string, unknown>, where: string, dst: string, o: InitOptions): Promise<InitSummary> {
  const config = parseModelConfig(json, where);
  if (o.dtype !== 'fp8' && config.quantization !== null)
    throw new Error(`${where} has a quantization_config, which describes FP8 weights; use dtype fp8, or remove it for ${o.dtype} weights`);
  if (!(o.std > 0 && Number.isFinite(o.std))) throw new RangeError(`the standard deviation must be a finite number > 0, got ${o.std}`);
  const fp8: Fp8Target | undefined = o.dtype === 'fp8' ? { scaleFmt: config.quantization?.scaleFmt ?? 'none', block: fp8Block(config), backend: o.backend } : undefined;
  const stored: FileDType = o.dtype === 'bf16' ? 'BF16' : 'F32';
  const layout = modelLayout(config);
  const tensors = checkpointTensors(layout);
  const draws = normalDraws(o.draws ?? 'independent', o.std, o.seed, stored);
  const source: TensorSource = { dtype: () => stored, ...initialValues(layout, draws, stored), repeatsViews: draws.repeatsViews };
  const specs = Object.values(checkpointSpecs(tensors, source, fp8));
  const bytes = specs.reduce((sum, s) => sum + elements(s.shape) * fileDTypeBytes(s.dtype), 0);
  const free = freeBytes(dst);
  if (bytes > free) throw new Error(`${dst}: the checkpoint needs ${bytes.toLocaleString('en-US')} bytes, and its disk has ${free.toLocaleString('en-US')} free`);
  const written = fp8 && config.quantization === null ? { ...json, quantization_config: quantizationConfig(fp8) } : json;
  await writeCheckpoint(dst, { config: written, tensors, source, ...(fp8 ? { fp8 } : {}), progress: o.progress, shardBytes: o.shardBytes }, o.force);
  return { tensors: specs.length, parameters: tensors.reduce((sum, t) => sum + elements(t.shape), 0), bytes };
}
