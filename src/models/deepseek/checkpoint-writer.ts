// Writing a checkpoint folder in the Hugging Face layout: config.json and the tensors of the config's layout
// (layout.ts) in one model.safetensors, or in shards listed by model.safetensors.index.json as large checkpoints are
// published, in DeepSeek's FP8 layout when asked: each Linear weight as F8_E4M3 with an F32 `weight_scale_inv` of
// one scale per b×b block, quantised by the fp8_block_quantize composite on a backend. Tensors are streamed a band
// of rows at a time, so no tensor is ever held whole: a checkpoint of any size is written in little memory.
// `dsv3 quantize` writes from an existing checkpoint, `dsv3 init` from random values. Every file is written under a
// temporary name and renamed, in a folder built under a temporary name and renamed (src/io/atomic-file.ts): the
// folder appears whole, or (with force) replaces an existing one whole. Node only: it writes files.

import fs from 'node:fs';
import { basename } from 'node:path';
import type { Backend, Executable } from '../../backends/backend.js';
import { inTask, SILENT_PROGRESS, type Progress, type ProgressTask } from '../../backends/progress.js';
import { tensorData, weightMap } from '../../ir/index.js';
import { OutputFolder, writeFileAtomic } from '../../io/atomic-file.js';
import { INDEX_FILE, SINGLE_FILE } from '../../io/checkpoint.js';
import { fileDTypeBytes, type FileArray, type FileDType, type TensorSpec } from '../../io/safetensors.js';
import { SafetensorsWriter } from '../../io/safetensors-writer.js';
import { blockScaleShape, fp8BlockQuantize, Trace, type ScaleFormat } from '../../ops/index.js';
import type { CheckpointTensor } from './layout.js';

const SCALE_SUFFIX = '_scale_inv';

/** Rows [start, start + count) of a tensor's leading axis (of its elements, for a vector). */
export interface RowRange {
  readonly start: number;
  readonly count: number;
}

/** Where a written tensor's values come from, a band of rows at a time; a tensor's bands are asked for in order. */
export interface TensorSource {
  /** The dtype a tensor that is not quantised is stored in. */
  dtype(t: CheckpointTensor): FileDType;
  /** Rows `rows` of its data in that dtype. */
  data(t: CheckpointTensor, rows: RowRange): FileArray;
  /** The same rows as f32 values, to quantise. */
  f32(t: CheckpointTensor, rows: RowRange): Float32Array;
  /**
   * `f32` hands out views of arrays it never changes, the same view more than once (pooled draws): each distinct
   * view is then quantised once.
   */
  readonly repeatsViews?: boolean;
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

interface Quantized {
  readonly q: Uint8Array;
  readonly s: Float32Array;
}

/**
 * f32 [R, C] -> (e4m3fn bytes, block scales), one compiled graph per weight shape; with `repeatsViews`, a view
 * quantised before gives the same result again.
 */
class BlockQuantizer {
  private readonly executables = new Map<string, Executable>();
  private readonly done = new WeakMap<ArrayBufferLike, Map<string, Quantized>>();
  constructor(
    private readonly format: Fp8Target,
    private readonly repeatsViews: boolean,
  ) {}

  async run(w: Float32Array, shape: readonly number[]): Promise<Quantized> {
    if (!this.repeatsViews) return this.quantize(w, shape);
    let views = this.done.get(w.buffer);
    if (views === undefined) this.done.set(w.buffer, (views = new Map()));
    const key = `${w.byteOffset}:${shape.join('x')}`;
    let result = views.get(key);
    if (result === undefined) views.set(key, (result = await this.quantize(w, shape)));
    return result;
  }

  private async quantize(w: Float32Array, shape: readonly number[]): Promise<Quantized> {
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
  /** Writes more files into the folder before it is put in place (a training run's optimizer state, folder.file(name)). */
  readonly extraFiles?: (folder: OutputFolder) => void;
  /** Told of the tensors as they are written (a task of one step per tensor). */
  readonly progress?: Progress;
  /**
   * Shards of at most about this many bytes (a tensor is never split) listed by model.safetensors.index.json, as
   * large checkpoints are published; without it, one model.safetensors.
   */
  readonly shardBytes?: number;
}

/** About how many elements are written at a time. */
const CHUNK_ELEMENTS = 1 << 22;

/** The bands of rows `t` is written in: about CHUNK_ELEMENTS each, whole `block`-row bands when it is quantised. */
function rowBands(t: CheckpointTensor, block: number | undefined): RowRange[] {
  const rows = t.shape[0]!;
  const width = t.shape.slice(1).reduce((a, b) => a * b, 1);
  let step = Math.max(1, Math.floor(CHUNK_ELEMENTS / width));
  if (block !== undefined) step = Math.max(block, step - (step % block));
  const bands: RowRange[] = [];
  for (let start = 0; start < rows; start += step) bands.push({ start, count: Math.min(step, rows - start) });
  return bands;
}

interface Shard {
  readonly file: string;
  readonly tensors: readonly CheckpointTensor[];
}

/**
 * The files of the checkpoint: model.safetensors, or with `shardBytes` the tensors in order in shards of at most
 * about that size, named as DeepSeek names its published shards (model-00001-of-000163.safetensors).
 */
function planShards(tensors: readonly CheckpointTensor[], specs: Readonly<Record<string, TensorSpec>>, shardBytes: number | undefined): Shard[] {
  if (shardBytes === undefined) return [{ file: SINGLE_FILE, tensors }];
  if (!(Number.isSafeInteger(shardBytes) && shardBytes > 0)) throw new RangeError(`shardBytes must be a positive integer, got ${shardBytes}`);
  const bytesOf = (name: string) => (specs[name] ? specs[name].shape.reduce((a, b) => a * b, 1) * fileDTypeBytes(specs[name].dtype) : 0);
  const groups: CheckpointTensor[][] = [[]];
  let size = 0;
  for (const t of tensors) {
    const bytes = bytesOf(t.name) + bytesOf(t.name + SCALE_SUFFIX);
    if (size > 0 && size + bytes > shardBytes) {
      groups.push([]);
      size = 0;
    }
    groups[groups.length - 1]!.push(t);
    size += bytes;
  }
  const n = String(groups.length).padStart(6, '0');
  return groups.map((g, i) => ({ file: `model-${String(i + 1).padStart(5, '0')}-of-${n}.safetensors`, tensors: g }));
}

/** The file tensors of `shard`: its tensors and the block scales of those that are quantised. */
const shardNames = (shard: Shard, specs: Readonly<Record<string, TensorSpec>>): string[] =>
  shard.tensors.flatMap((t) => (specs[t.name + SCALE_SUFFIX] ? [t.name, t.name + SCALE_SUFFIX] : [t.name]));

/** Writes `shard` into `folder`, each tensor streamed a band of rows at a time. */
async function writeShard(folder: OutputFolder, shard: Shard, specs: Readonly<Record<string, TensorSpec>>, { source, fp8 }: CheckpointContent, quantizer: BlockQuantizer | undefined, task: ProgressTask): Promise<void> {
  const writer = SafetensorsWriter.create(folder.file(shard.file), Object.fromEntries(shardNames(shard, specs).map((n) => [n, specs[n]!])), { overwrite: true });
  try {
    for (const t of shard.tensors) {
      const quantized = quantizer !== undefined && t.projection;
      for (const rows of rowBands(t, quantized ? fp8!.block : undefined)) {
        if (quantized) {
          const { q, s } = await quantizer.run(source.f32(t, rows), [rows.count, ...t.shape.slice(1)]);
          writer.write(t.name, q);
          writer.write(t.name + SCALE_SUFFIX, s);
        } else {
          writer.write(t.name, source.data(t, rows));
        }
      }
      task.advance();
    }
    writer.close();
  } catch (e) {
    writer.abort();
    throw e;
  }
}

/** Writes the tensor files into `folder`, and the shard index when there are shards. */
async function writeTensors(folder: OutputFolder, content: CheckpointContent): Promise<void> {
  const { tensors, source, fp8, progress = SILENT_PROGRESS } = content;
  const specs = checkpointSpecs(tensors, source, fp8);
  const shards = planShards(tensors, specs, content.shardBytes);
  const quantizer = fp8 && new BlockQuantizer(fp8, source.repeatsViews === true);
  try {
    const what = shards.length === 1 ? shards[0]!.file : `${shards.length} shards`;
    await inTask(progress, `writing ${what}`, tensors.length, async (task) => {
      for (const shard of shards) await writeShard(folder, shard, specs, content, quantizer, task);
    });
  } finally {
    quantizer?.dispose();
  }
  if (content.shardBytes === undefined) return;
  const weightMap = Object.fromEntries(shards.flatMap((shard) => shardNames(shard, specs).map((n) => [n, shard.file])));
  const totalSize = Object.values(specs).reduce((n, spec) => n + spec.shape.reduce((a, b) => a * b, 1) * fileDTypeBytes(spec.dtype), 0);
  writeFileAtomic(folder.file(INDEX_FILE), `${JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2)}\n`, { overwrite: true });
}

/**
 * Writes folder `dst`: the tensor files, config.json and the copies. It appears only once complete; an existing
 * folder is replaced whole (its other files, a stale shard index among them, go with it), and only with `force`.
 */
export async function writeCheckpoint(dst: string, content: CheckpointContent, force: boolean): Promise<void> {
  const folder = OutputFolder.open(dst, { overwrite: force });
  try {
    await writeTensors(folder, content);
    writeFileAtomic(folder.file('config.json'), `${JSON.stringify(content.config, null, 2)}\n`, { overwrite: true });
    for (const from of content.copies ?? []) writeFileAtomic(folder.file(basename(from)), fs.readFileSync(from), { overwrite: true });
    content.extraFiles?.(folder);
    folder.commit();
  } catch (e) {
    folder.abort();
    throw e;
  }
}
