// Writing a checkpoint folder in the Hugging Face layout: config.json and one model.safetensors holding every tensor
// of the config's layout (layout.ts), in DeepSeek's FP8 layout when asked: each Linear weight as F8_E4M3 with an F32
// `weight_scale_inv` of one scale per b×b block, quantised by the fp8_block_quantize composite on a backend.
// `dsv3 quantize` writes from an existing checkpoint, `dsv3 init` from random values. Every file is written under a
// temporary name and renamed (src/io/atomic-file.ts): a new folder appears whole, and an existing one (with force)
// has each file replaced whole. Node only: it writes files.

import fs from 'node:fs';
import { basename } from 'node:path';
import type { Backend, Executable } from '../../backends/backend.js';
import { tensorData, weightMap } from '../../ir/index.js';
import { OutputFolder, writeFileAtomic } from '../../io/atomic-file.js';
import { INDEX_FILE, SINGLE_FILE } from '../../io/checkpoint.js';
import type { FileArray, FileDType, TensorSpec } from '../../io/safetensors.js';
import { SafetensorsWriter } from '../../io/safetensors-writer.js';
import { blockScaleShape, fp8BlockQuantize, Trace, type ScaleFormat } from '../../ops/index.js';
import type { CheckpointTensor } from './layout.js';

const SCALE_SUFFIX = '_scale_inv';

/** Where a written tensor's values come from. */
export interface TensorSource {
  /** The dtype a tensor that is not quantised is stored in. */
  dtype(t: CheckpointTensor): FileDType;
  /** Its data in that dtype. */
  data(t: CheckpointTensor): FileArray;
  /** Its values as f32, to quantise. */
  f32(t: CheckpointTensor): Float32Array;
}

/** How Linear weights are quantised: the scale format and the block edge of quantization_config. */
export interface Fp8Target {
  readonly scaleFmt: ScaleFormat;
  readonly block: number;
  readonly backend: Backend;
}

/** The quantization_config of an FP8 checkpoint in `format`. */
export function quantizationConfig(format: Pick<Fp8Target, 'scaleFmt' | 'block'>): Record<string, unknown> {
  return {
    activation_scheme: 'dynamic',
    fmt: 'e4m3',
    quant_method: 'fp8',
    weight_block_size: [format.block, format.block],
    ...(format.scaleFmt === 'ue8m0' ? { scale_fmt: 'ue8m0' } : {}),
  };
}

/** f32 [R, C] -> (e4m3fn bytes, block scales), one compiled graph per weight shape. */
class BlockQuantizer {
  private readonly executables = new Map<string, Executable>();
  constructor(private readonly format: Fp8Target) {}

  async run(w: Float32Array, shape: readonly number[]): Promise<{ q: Uint8Array; s: Float32Array }> {
    const key = shape.join('x');
    let exe = this.executables.get(key);
    if (exe === undefined) {
      const t = new Trace('quantize_weight');
      const [q, s] = fp8BlockQuantize(t.input('w', 'f32', shape), this.format.block, this.format.scaleFmt);
      exe = await this.format.backend.compile(t.build({ q: q!, s: s! }), weightMap({}));
      this.executables.set(key, exe);
    }
    const { outputs } = await exe.run({ w: tensorData('f32', shape, w) });
    return { q: outputs.q!.data as Uint8Array, s: outputs.s!.data as Float32Array };
  }

  dispose(): void {
    for (const exe of this.executables.values()) exe.dispose();
  }
}

/** The tensors of model.safetensors: `tensors` in their source dtypes, Linear weights as FP8 bytes and scales under `fp8`. */
export function checkpointSpecs(tensors: readonly CheckpointTensor[], source: Pick<TensorSource, 'dtype'>, fp8: Pick<Fp8Target, 'block'> | undefined): Record<string, TensorSpec> {
  const specs: Record<string, TensorSpec> = {};
  for (const t of tensors) {
    if (fp8 !== undefined && t.projection) {
      specs[t.name] = { dtype: 'F8_E4M3', shape: t.shape };
      specs[t.name + SCALE_SUFFIX] = { dtype: 'F32', shape: blockScaleShape(t.shape, fp8.block) };
    } else {
      specs[t.name] = { dtype: source.dtype(t), shape: t.shape };
    }
  }
  return specs;
}

export interface CheckpointContent {
  readonly config: Record<string, unknown>;
  readonly tensors: readonly CheckpointTensor[];
  readonly source: TensorSource;
  /** Linear weights in DeepSeek's FP8 layout; without it, every tensor in its source dtype. */
  readonly fp8?: Fp8Target;
  /** Files copied into the folder as they are (a tokenizer, a generation config). */
  readonly copies?: readonly string[];
}

async function writeTensors(path: string, { tensors, source, fp8 }: CheckpointContent): Promise<void> {
  const quantizer = fp8 && new BlockQuantizer(fp8);
  const writer = SafetensorsWriter.create(path, checkpointSpecs(tensors, source, fp8), { overwrite: true });
  try {
    for (const t of tensors) {
      if (quantizer && t.projection) {
        const { q, s } = await quantizer.run(source.f32(t), t.shape);
        writer.write(t.name, q);
        writer.write(t.name + SCALE_SUFFIX, s);
      } else {
        writer.write(t.name, source.data(t));
      }
    }
    writer.close();
  } catch (e) {
    writer.abort();
    throw e;
  } finally {
    quantizer?.dispose();
  }
}

/**
 * Writes folder `dst`: model.safetensors, config.json and the copies. A new folder appears only once complete; an
 * existing one is written into only with `force`, each of its files replaced whole, and then its shard index (which
 * would make readers ignore the new single file) removed.
 */
export async function writeCheckpoint(dst: string, content: CheckpointContent, force: boolean): Promise<void> {
  const folder = OutputFolder.open(dst, { overwrite: force });
  try {
    await writeTensors(folder.file(SINGLE_FILE), content);
    writeFileAtomic(folder.file('config.json'), `${JSON.stringify(content.config, null, 2)}\n`, { overwrite: true });
    for (const from of content.copies ?? []) writeFileAtomic(folder.file(basename(from)), fs.readFileSync(from), { overwrite: true });
    fs.rmSync(folder.file(INDEX_FILE), { force: true });
    folder.commit();
  } catch (e) {
    folder.abort();
    throw e;
  }
}
