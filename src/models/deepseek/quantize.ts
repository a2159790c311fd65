// Converts an f32/bf16/f16 checkpoint into DeepSeek's FP8 layout: every Linear weight (layout.ts marks them)
// becomes F8_E4M3 [out, in] with an F32 `weight_scale_inv` [ceil(out/128), ceil(in/128)], computed by the
// fp8_block_quantize composite on a backend; every other tensor is copied as it is; config.json gains a
// quantization_config (with scale_fmt ue8m0 when asked). The weights go to one model.safetensors; the folder's
// other files (tokenizer, generation config) are copied. Node only: it reads and writes directories.

import fs from 'node:fs';
import { join, resolve } from 'node:path';
import type { Backend, Executable } from '../../backends/backend.js';
import { tensorData, weightMap } from '../../ir/index.js';
import { Checkpoint, INDEX_FILE, SINGLE_FILE } from '../../io/checkpoint.js';
import { directoryFiles } from '../../io/local-files.js';
import type { FileArray, TensorSpec } from '../../io/safetensors.js';
import { SafetensorsWriter } from '../../io/safetensors-writer.js';
import { decodeBf16, decodeF16 } from '../../numerics/index.js';
import { fp8BlockQuantize, Trace, type ScaleFormat } from '../../ops/index.js';
import { loadModelConfig } from './config.js';
import { checkpointTensors, FP8_BLOCK, modelLayout, scaleShape, type CheckpointTensor } from './layout.js';
import { ModelWeights } from './weights.js';

export interface QuantizeOptions {
  readonly scaleFmt: ScaleFormat;
  /** Write into an existing output folder, replacing the files this writes (and dropping a stale shard index). */
  readonly force: boolean;
  readonly backend: Backend;
}

export interface QuantizeSummary {
  readonly quantized: number;
  readonly copied: number;
}

const SCALE_SUFFIX = '_scale_inv';

function quantizationConfig(scaleFmt: ScaleFormat): Record<string, unknown> {
  return {
    activation_scheme: 'dynamic',
    fmt: 'e4m3',
    quant_method: 'fp8',
    weight_block_size: [FP8_BLOCK, FP8_BLOCK],
    ...(scaleFmt === 'ue8m0' ? { scale_fmt: 'ue8m0' } : {}),
  };
}

function prepareOutput(src: string, dst: string, force: boolean): void {
  if (resolve(src) === resolve(dst)) throw new Error(`${dst}: the output folder must differ from the input folder`);
  if (fs.existsSync(dst)) {
    if (!force) throw new Error(`${dst} already exists; refusing to write into it (pass --force to replace its checkpoint files)`);
    if (!fs.statSync(dst).isDirectory()) throw new Error(`${dst} exists and is not a folder`);
    // A shard index would make readers ignore the new single file.
    fs.rmSync(join(dst, INDEX_FILE), { force: true });
  } else {
    fs.mkdirSync(dst, { recursive: true });
  }
}

/** f32 [R, C] -> (e4m3fn bytes, block scales), one compiled graph per weight shape. */
class BlockQuantizer {
  private readonly executables = new Map<string, Executable>();
  constructor(
    private readonly backend: Backend,
    private readonly scaleFmt: ScaleFormat,
  ) {}

  async run(w: Float32Array, shape: readonly number[]): Promise<{ q: Uint8Array; s: Float32Array }> {
    const key = shape.join('x');
    let exe = this.executables.get(key);
    if (exe === undefined) {
      const t = new Trace('quantize_weight');
      const [q, s] = fp8BlockQuantize(t.input('w', 'f32', shape), FP8_BLOCK, this.scaleFmt);
      exe = await this.backend.compile(t.build({ q: q!, s: s! }), weightMap({}));
      this.executables.set(key, exe);
    }
    const { outputs } = await exe.run({ w: tensorData('f32', shape, w) });
    return { q: outputs.q!.data as Uint8Array, s: outputs.s!.data as Float32Array };
  }

  dispose(): void {
    for (const exe of this.executables.values()) exe.dispose();
  }
}

function readF32(ckpt: Checkpoint, name: string): Float32Array {
  const { dtype } = ckpt.info(name);
  const data = ckpt.read(name);
  if (dtype === 'F32') return data as Float32Array;
  if (dtype === 'BF16') return decodeBf16(data as Uint16Array);
  if (dtype === 'F16') return decodeF16(data as Uint16Array);
  throw new Error(`${ckpt.location}: tensor "${name}" is ${dtype}; quantize reads F32, BF16 or F16 weights`);
}

/** Writes the FP8 checkpoint of `src` to `dst`. */
export async function quantizeCheckpoint(src: string, dst: string, o: QuantizeOptions): Promise<QuantizeSummary> {
  const files = directoryFiles(src);
  const config = loadModelConfig(files);
  if (config.quantization !== null) throw new Error(`${src}/config.json already has a quantization_config; quantize converts f32, bf16 or f16 checkpoints`);
  // Checks every tensor's presence, shape and dtype against the config, and that nothing else is there.
  ModelWeights.open(files, config).close();
  const tensors = checkpointTensors(modelLayout(config));
  const ckpt = Checkpoint.open(files);
  const quantizer = new BlockQuantizer(o.backend, o.scaleFmt);
  try {
    prepareOutput(src, dst, o.force);
    const specs: Record<string, TensorSpec> = {};
    for (const t of tensors) {
      if (t.projection) {
        specs[t.name] = { dtype: 'F8_E4M3', shape: t.shape };
        specs[t.name + SCALE_SUFFIX] = { dtype: 'F32', shape: scaleShape(t.shape) };
      } else {
        specs[t.name] = { dtype: ckpt.info(t.name).dtype, shape: t.shape };
      }
    }
    const writer = SafetensorsWriter.create(join(dst, SINGLE_FILE), specs, { overwrite: o.force });
    try {
      for (const t of tensors) await writeTensor(writer, ckpt, t, quantizer);
      writer.close();
    } catch (e) {
      writer.abort();
      throw e;
    }
    const json = JSON.parse(fs.readFileSync(join(src, 'config.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(join(dst, 'config.json'), `${JSON.stringify({ ...json, quantization_config: quantizationConfig(o.scaleFmt) }, null, 2)}\n`);
    for (const f of fs.readdirSync(src)) {
      const from = join(src, f);
      if (f === 'config.json' || f === INDEX_FILE || f.endsWith('.safetensors') || !fs.statSync(from).isFile()) continue;
      fs.copyFileSync(from, join(dst, f));
    }
    const quantized = tensors.filter((t) => t.projection).length;
    return { quantized, copied: tensors.length - quantized };
  } finally {
    quantizer.dispose();
    ckpt.close();
  }
}

async function writeTensor(writer: SafetensorsWriter, ckpt: Checkpoint, t: CheckpointTensor, quantizer: BlockQuantizer): Promise<void> {
  if (!t.projection) {
    writer.write(t.name, ckpt.read(t.name) as FileArray);
    return;
  }
  const { q, s } = await quantizer.run(readF32(ckpt, t.name), t.shape);
  writer.write(t.name, q);
  writer.write(t.name + SCALE_SUFFIX, s);
}
