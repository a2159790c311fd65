// Converts an f32/bf16/f16 checkpoint into DeepSeek's FP8 layout: every Linear weight (layout.ts marks them)
// becomes F8_E4M3 [out, in] with an F32 `weight_scale_inv` [ceil(out/b), ceil(in/b)] for blocks of b (128 by
// default), computed by the fp8_block_quantize composite on a backend; every other tensor is copied as it is;
// config.json gains a quantization_config (weight_block_size [b, b], and scale_fmt ue8m0 when asked). The weights
// go to one model.safetensors; the folder's other files (tokenizer, generation config) are copied. Node only: it
// reads and writes directories.

import fs from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Backend } from '../../backends/backend.js';
import type { Progress } from '../../backends/progress.js';
import { Checkpoint, INDEX_FILE } from '../../io/checkpoint.js';
import { directoryFiles } from '../../io/local-files.js';
import { toIRDType, type FileArray } from '../../io/safetensors.js';
import type { StorageArray } from '../../ir/index.js';
import { decodeBf16, decodeF16 } from '../../numerics/index.js';
import type { ScaleFormat } from '../../ops/index.js';
import { quantizationConfig, writeCheckpoint, type RowRange } from './checkpoint-writer.js';
import { loadModelConfig } from './config.js';
import { checkpointTensors, FP8_BLOCK, modelLayout } from './layout.js';
import { nonFiniteElement } from './non-finite.js';
import { ModelWeights } from './weights.js';

export interface QuantizeOptions {
  readonly scaleFmt: ScaleFormat;
  /** The edge b of the b×b weight blocks (and of the 1×b activation tiles under FP8 GEMMs); default 128, as DeepSeek-V3. */
  readonly block?: number;
  /** Replace an existing output folder whole (its files, a stale shard index among them, go with it). */
  readonly force: boolean;
  readonly backend: Backend;
  /** Told of the tensors as they are converted and written. */
  readonly progress?: Progress;
}

export interface QuantizeSummary {
  readonly quantized: number;
  readonly copied: number;
}

/**
 * Rows `rows` of tensor `name`, refused when they hold NaN or ±inf: a block's scale is its amax, and a bad weight is
 * not converted.
 */
function finiteRows(ckpt: Checkpoint, name: string, rows: RowRange): FileArray {
  const { dtype, shape } = ckpt.info(name);
  const width = shape.slice(1).reduce((a, b) => a * b, 1);
  const data = ckpt.readRange(name, rows.start * width, rows.count * width);
  const bad = nonFiniteElement({ dtype: toIRDType(dtype, name), shape: [rows.count, ...shape.slice(1)], data: data as StorageArray });
  // The element's index counts rows from the band's first: from the tensor's first in the message.
  if (bad !== undefined) throw new Error(`${ckpt.location}: tensor "${name}" holds ${bad.replace(/\[(\d+)/, (_, r: string) => `[${Number(r) + rows.start}`)}; quantize converts only finite weights`);
  return data;
}

function readF32(ckpt: Checkpoint, name: string, rows: RowRange): Float32Array {
  const { dtype } = ckpt.info(name);
  const data = finiteRows(ckpt, name, rows);
  if (dtype === 'F32') return data as Float32Array;
  if (dtype === 'BF16') return decodeBf16(data as Uint16Array);
  if (dtype === 'F16') return decodeF16(data as Uint16Array);
  throw new Error(`${ckpt.location}: tensor "${name}" is ${dtype}; quantize reads F32, BF16 or F16 weights`);
}

/** Writes the FP8 checkpoint of `src` to `dst`. */
export async function quantizeCheckpoint(src: string, dst: string, o: QuantizeOptions): Promise<QuantizeSummary> {
  // The output folder is replaced whole: it must not hold the input.
  const inside = relative(resolve(dst), resolve(src));
  if (!isAbsolute(inside) && inside.split(sep)[0] !== '..') throw new Error(`${dst}: the output folder must not be or contain the input folder ${src}`);
  const files = directoryFiles(src);
  const config = loadModelConfig(files);
  if (config.quantization !== null) throw new Error(`${src}/config.json already has a quantization_config; quantize converts f32, bf16 or f16 checkpoints`);
  const block = o.block ?? FP8_BLOCK;
  if (!Number.isSafeInteger(block) || block < 1) throw new RangeError(`the FP8 block size must be a positive integer, got ${block}`);
  // Checks every tensor's presence, shape and dtype against the config, and that nothing else is there.
  ModelWeights.open(files, config).close();
  const tensors = checkpointTensors(modelLayout(config));
  const ckpt = Checkpoint.open(files);
  try {
    const json = JSON.parse(fs.readFileSync(join(src, 'config.json'), 'utf8')) as Record<string, unknown>;
    const others = fs.readdirSync(src).filter((f) => f !== 'config.json' && f !== INDEX_FILE && !f.endsWith('.safetensors'));
    await writeCheckpoint(
      dst,
      {
        config: { ...json, quantization_config: quantizationConfig({ scaleFmt: o.scaleFmt, block }) },
        tensors,
        source: { dtype: (t) => ckpt.info(t.name).dtype, data: (t, rows) => finiteRows(ckpt, t.name, rows), f32: (t, rows) => readF32(ckpt, t.name, rows) },
        fp8: { scaleFmt: o.scaleFmt, block, backend: o.backend },
        copies: others.map((f) => join(src, f)).filter((from) => fs.statSync(from).isFile()),
        progress: o.progress,
      },
      o.force,
    );
    const quantized = tensors.filter((t) => t.projection).length;
    return { quantized, copied: tensors.length - quantized };
  } finally {
    ckpt.close();
  }
}
