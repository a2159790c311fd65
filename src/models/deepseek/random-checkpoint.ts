// A checkpoint of random weights for a config.json, in the Hugging Face layout every command loads: for trying a
// variant (other ranks, expert counts, routing, MTP depth, FP8 block size) without training one. As DeepSeek-V3 is
// initialised (spec/techniques.md §Initialisation): every weight matrix and the embedding drawn from N(0, std²), std 0.006
// by default; RMSNorm weights 1 and the routers' e_score_correction_bias 0, as Hugging Face initialises them; each
// MTP module's embed_tokens and shared_head.head are copies of the main embedding and head, as in DeepSeek's release.
// Each tensor draws from its own stream, seeded by the seed and its name, so a tensor's values do not depend on the
// other tensors: a variant with one more MTP module keeps every other weight. Node only: it writes files.

import fs from 'node:fs';
import { dirname } from 'node:path';
import type { Backend } from '../../backends/backend.js';
import { fileDTypeBytes, type FileDType } from '../../io/safetensors.js';
import { encodeBf16, mulberry32 } from '../../numerics/index.js';
import { checkpointSpecs, quantizationConfig, writeCheckpoint, type Fp8Target, type TensorSource } from './checkpoint-writer.js';
import { parseModelConfig } from './config.js';
import { checkpointTensors, fp8Block, modelLayout, type CheckpointTensor, type ModelLayout } from './layout.js';

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
}

export interface InitSummary {
  readonly tensors: number;
  readonly parameters: number;
  readonly bytes: number;
}

const elements = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** A 32-bit FNV-1a hash of `text`, mixed with `seed`. */
function streamSeed(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** `n` draws from N(0, std²) (Box–Muller on the stream of `seed` and `name`), rounded to f32. */
function normal(n: number, std: number, seed: number, name: string): Float32Array {
  const uniform = mulberry32(streamSeed(seed, name));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const radius = std * Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < n) out[i + 1] = radius * Math.sin(angle);
  }
  return out;
}

/** How each tensor of the layout starts: the normal draws of a tensor (its own or the main one it copies), or a constant. */
function initialValues(layout: ModelLayout, o: Pick<InitOptions, 'seed' | 'std'>): (t: CheckpointTensor) => Float32Array {
  const copies = new Map(layout.mtp.flatMap((m) => [[m.embed.name, layout.embed.name], [m.head.name, layout.head.name]] as const));
  const biases = new Set([...layout.layers, ...layout.mtp.map((m) => m.block)].flatMap((l) => (l.ffn.kind === 'moe' && l.ffn.moe.bias ? [l.ffn.moe.bias.name] : [])));
  return (t) => {
    const n = elements(t.shape);
    if (biases.has(t.name)) return new Float32Array(n);
    // The remaining vectors are RMSNorm weights.
    if (t.shape.length === 1) return new Float32Array(n).fill(1);
    return normal(n, o.std, o.seed, copies.get(t.name) ?? t.name);
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
  const values = initialValues(layout, o);
  const source: TensorSource = {
    dtype: () => stored,
    data: (t) => (stored === 'BF16' ? encodeBf16(values(t)) : values(t)),
    f32: values,
  };
  const specs = Object.values(checkpointSpecs(tensors, source, fp8));
  const bytes = specs.reduce((sum, s) => sum + elements(s.shape) * fileDTypeBytes(s.dtype), 0);
  const free = freeBytes(dst);
  if (bytes > free) throw new Error(`${dst}: the checkpoint needs ${bytes.toLocaleString('en-US')} bytes, and its disk has ${free.toLocaleString('en-US')} free`);
  const written = fp8 && config.quantization === null ? { ...json, quantization_config: quantizationConfig(fp8) } : json;
  await writeCheckpoint(dst, { config: written, tensors, source, ...(fp8 ? { fp8 } : {}) }, o.force);
  return { tensors: specs.length, parameters: tensors.reduce((sum, t) => sum + elements(t.shape), 0), bytes };
}
