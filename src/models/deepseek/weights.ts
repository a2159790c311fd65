// The model's weights: a checkpoint directory checked against the layout its config implies (every tensor present
// with the right shape and dtype, nothing unexpected), served to the graphs through the WeightStore interface in
// the dtype the checkpoint stores them in (the layout's `stored`; the graphs widen them, weight-operands.ts).
// Tensors are read when first asked for and kept. An FP8 Linear is served as its e4m3fn bytes and its block scales
// under the names of layout.ts's fp8Slots. Routed experts are stacked per projection, in bf16 or f16 as stored, any
// other dtype as f32 (FP8 experts dequantised, dequant.ts), and also served slice by slice (`sliced`,
// expert-stack.ts), so that a kernel running only the selected experts reads only those from the checkpoint.

import { tensorData, type DType, type TensorData, type WeightStore } from '../../ir/index.js';
import { Checkpoint } from '../../io/checkpoint.js';
import type { FileSet } from '../../io/file-set.js';
import type { FileDType } from '../../io/safetensors.js';
import { decodeBf16, decodeF16 } from '../../numerics/index.js';
import type { ModelConfig } from './config.js';
import { dequantizeFp8 } from './dequant.js';
import { ExpertStack, type ExpertTensor } from './expert-stack.js';
import { blockScaleShape } from '../../ops/index.js';
import { checkpointTensors, extentBeyondCheckpoint, fp8Block, fp8Slots, modelLayout, type ModelLayout, type StackedSlot, type StoredDType, type TensorSlot } from './layout.js';
import { ropeTable } from './rope.js';
import type { GemmMode } from './settings.js';

const FLOAT_DTYPES: readonly FileDType[] = ['F32', 'BF16', 'F16'];
const STORED: Partial<Record<FileDType, StoredDType>> = { BF16: 'bf16', F16: 'f16', F8_E4M3: 'f8e4m3fn' };
const SCALE_SUFFIX = '_scale_inv';

export class WeightError extends Error {
  override name = 'WeightError';
}

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** Checks the checkpoint's tensor names, dtypes and shapes against the layout (headers only; no data is read). */
function checkCheckpoint(ckpt: Checkpoint, layout: ModelLayout, config: ModelConfig): void {
  const where = (name: string) => `${ckpt.location}/${ckpt.info(name).file}: tensor "${name}"`;
  const expected = new Set<string>();
  for (const t of checkpointTensors(layout)) {
    expected.add(t.name);
    if (!ckpt.has(t.name)) throw new WeightError(`${ckpt.location}: missing tensor "${t.name}" (expected ${fmt(t.shape)})`);
    const info = ckpt.info(t.name);
    if (info.shape.length !== t.shape.length || info.shape.some((d, i) => d !== t.shape[i]))
      throw new WeightError(`${where(t.name)} has shape ${fmt(info.shape)}, expected ${fmt(t.shape)}`);
    if (info.dtype === 'F8_E4M3' && t.projection) {
      if (config.quantization === null)
        throw new WeightError(`${where(t.name)} is F8_E4M3, but config.json has no quantization_config`);
      const scale = t.name + SCALE_SUFFIX;
      const block = fp8Block(config);
      const want = blockScaleShape(t.shape, block);
      if (!ckpt.has(scale)) throw new WeightError(`${ckpt.location}: missing tensor "${scale}" (F32 ${fmt(want)}), the block scales of F8_E4M3 "${t.name}"`);
      const s = ckpt.info(scale);
      if (s.dtype !== 'F32') throw new WeightError(`${where(scale)} has dtype ${s.dtype}, expected F32`);
      if (s.shape.length !== 2 || s.shape[0] !== want[0] || s.shape[1] !== want[1])
        throw new WeightError(`${where(scale)} has shape ${fmt(s.shape)}, expected ${fmt(want)} (${block}x${block} blocks of ${fmt(t.shape)}, quantization_config.weight_block_size)`);
      expected.add(scale);
    } else if (!FLOAT_DTYPES.includes(info.dtype)) {
      const allowed = FLOAT_DTYPES.join(', ') + (t.projection && config.quantization !== null ? ' or F8_E4M3 with weight_scale_inv' : '');
      throw new WeightError(`${where(t.name)} has dtype ${info.dtype}, expected ${allowed}`);
    }
  }
  for (const name of ckpt.names()) {
    if (!expected.has(name))
      throw new WeightError(`${where(name)} is unexpected: a ${config.modelType} model with this config.json has no such tensor`);
  }
}

/** Under FP8 GEMMs every Linear must be stored in FP8: the graphs read bytes and scales for all of them. */
function checkFp8Linears(ckpt: Checkpoint, layout: ModelLayout): void {
  for (const t of checkpointTensors(layout)) {
    const { dtype, file } = ckpt.info(t.name);
    if (t.projection && dtype !== 'F8_E4M3')
      throw new WeightError(
        `${ckpt.location}/${file}: tensor "${t.name}" is ${dtype}; gemm fp8 runs every Linear as an FP8 GEMM and needs F8_E4M3 weights with weight_scale_inv (dsv3 quantize writes such a checkpoint; gemm dequant runs this one)`,
      );
  }
}

/** A graph weight read from a Linear's FP8 storage: its bytes or its block scales. */
interface Fp8View {
  readonly source: TensorSlot | StackedSlot;
  readonly part: 'weight' | 'scale';
  readonly shape: readonly number[];
}

export class ModelWeights implements WeightStore {
  private readonly cache = new Map<string, TensorData>();
  private readonly stacks = new Map<string, ExpertStack>();
  private readonly slots: ReadonlyMap<string, TensorSlot | StackedSlot>;
  private readonly fp8Views = new Map<string, Fp8View>();

  private constructor(
    readonly config: ModelConfig,
    readonly layout: ModelLayout,
    private readonly ckpt: Checkpoint,
  ) {
    const slots = new Map<string, TensorSlot>();
    for (const t of checkpointTensors(layout)) slots.set(t.name, t);
    for (const l of [...layout.layers, ...layout.mtp.map((m) => m.block)]) {
      if (l.ffn.kind === 'moe') for (const s of Object.values(l.ffn.moe.experts)) slots.set(s.name, s);
    }
    slots.set(layout.ropeCos.name, layout.ropeCos);
    slots.set(layout.ropeSin.name, layout.ropeSin);
    this.slots = slots;
    for (const s of slots.values()) {
      if (s.linear !== true) continue;
      const { weight, scale } = fp8Slots(s, fp8Block(config));
      this.fp8Views.set(weight.name, { source: s, part: 'weight', shape: weight.shape });
      this.fp8Views.set(scale.name, { source: s, part: 'scale', shape: scale.shape });
    }
  }

  /**
   * Opens the checkpoint in `files` and checks it against `config`; throws a WeightError naming the first problem.
   * With `gemm` fp8, every Linear weight must be stored in FP8. The rotary table it serves has `ropePositions` rows.
   */
  static open(files: FileSet, config: ModelConfig, gemm: GemmMode = 'dequant', ropePositions = config.maxPositionEmbeddings): ModelWeights {
    const ckpt = Checkpoint.open(files);
    try {
      const beyond = extentBeyondCheckpoint(config, ckpt.names());
      if (beyond !== undefined) throw new WeightError(`${ckpt.location}: ${beyond}`);
      const layout = modelLayout(config, ropePositions, (name) => (ckpt.has(name) ? STORED[ckpt.info(name).dtype] : undefined));
      checkCheckpoint(ckpt, layout, config);
      if (gemm === 'fp8') checkFp8Linears(ckpt, layout);
      return new ModelWeights(config, layout, ckpt);
    } catch (e) {
      ckpt.close();
      throw e;
    }
  }

  get(name: string): TensorData {
    let t = this.cache.get(name);
    if (t === undefined) {
      const s = this.slots.get(name);
      const view = this.fp8Views.get(name);
      if (s !== undefined) t = this.load(s);
      else if (view !== undefined) t = this.loadFp8(view, name);
      else throw new WeightError(`weight "${name}" is not part of this ${this.config.modelType} model`);
      this.cache.set(name, t);
    }
    return t;
  }

  /** A stacked expert weight, expert by expert (see expert-stack.ts); the same storage `get` returns once whole. */
  sliced(name: string): ExpertStack | undefined {
    const s = this.slots.get(name);
    if (s === undefined || !('parts' in s)) return undefined;
    let stack = this.stacks.get(name);
    if (stack === undefined) {
      stack = new ExpertStack(s, (part) => this.expertTensor(part, s.stored));
      this.stacks.set(name, stack);
    }
    return stack;
  }

  /** The checkpoint the weights are read from (its `reads()` tell what a run read). */
  get checkpoint(): Checkpoint {
    return this.ckpt;
  }

  /**
   * Checkpoint tensor `name` as f32 values (bf16 and f16 widened, FP8 dequantised with its block scales), as
   * training's master copy starts from. An f32 tensor may be the checkpoint's own storage: copy before writing.
   */
  float32(name: string): Float32Array {
    const s = this.slots.get(name);
    if (s === undefined || 'parts' in s || !this.ckpt.has(name)) throw new WeightError(`"${name}" is not a checkpoint tensor of this ${this.config.modelType} model`);
    return this.readF32(s);
  }

  /**
   * Forgets every weight loaded so far but the rotary table (a streamed layer's, once it has run): the memory is
   * freed once no executable holds them, and a later `get` reads them again.
   */
  releaseLoaded(): void {
    const rope = [this.layout.ropeCos.name, this.layout.ropeSin.name];
    for (const name of this.cache.keys()) if (!rope.includes(name)) this.cache.delete(name);
    this.stacks.clear();
  }

  close(): void {
    this.cache.clear();
    this.stacks.clear();
    this.ckpt.close();
  }

  /** A graph weight as the graphs declare it: the rotary table f32, stacked experts as layout.ts's StackedSlot says, the rest as stored. */
  private load(s: TensorSlot | StackedSlot): TensorData {
    if ('parts' in s) return this.sliced(s.name)!.whole();
    const what = `weight "${s.name}"`;
    if (s.name === this.layout.ropeCos.name || s.name === this.layout.ropeSin.name) {
      const table = ropeTable(this.config, s.shape[0]!);
      return tensorData('f32', s.shape, s.name === this.layout.ropeCos.name ? table.cos : table.sin, what);
    }
    if (s.stored === 'f8e4m3fn') {
      const { weight, scale } = fp8Slots(s, fp8Block(this.config));
      throw new WeightError(`${this.ckpt.location}: ${what} is stored in F8_E4M3; the graphs read it as "${weight.name}" and "${scale.name}"`);
    }
    const dtype: DType = s.stored ?? 'f32';
    return tensorData(dtype, s.shape, this.ckpt.read(s.name) as Float32Array | Uint16Array, what);
  }

  /** One expert's checkpoint tensor for a stack held in `stack` (undefined: f32): bf16 bits, f16 bits for an f16 stack, else f32 values. */
  private expertTensor(part: TensorSlot, stack: StoredDType | undefined): ExpertTensor {
    const { dtype } = this.ckpt.info(part.name);
    if (dtype === 'BF16') return { bf16: this.ckpt.read(part.name) as Uint16Array };
    if (dtype === 'F16' && stack === 'f16') return { f16: this.ckpt.read(part.name) as Uint16Array };
    return { f32: this.readF32(part) };
  }

  /** One expert's checkpoint tensor as f32 values. */
  private readF32(s: TensorSlot): Float32Array {
    const { dtype } = this.ckpt.info(s.name);
    const data = this.ckpt.read(s.name);
    switch (dtype) {
      case 'F32':
        return data as Float32Array;
      case 'BF16':
        return decodeBf16(data as Uint16Array);
      case 'F16':
        return decodeF16(data as Uint16Array);
      case 'F8_E4M3':
        return dequantizeFp8(data as Uint8Array, this.ckpt.read(s.name + SCALE_SUFFIX) as Float32Array, s.shape[0]!, s.shape[1]!, fp8Block(this.config));
      default:
        throw new WeightError(`${this.ckpt.location}: tensor "${s.name}" has dtype ${dtype}, which was not checked at open`);
    }
  }

  /** The e4m3fn bytes or block scales of a Linear; stacked experts are concatenated in expert order. */
  private loadFp8(view: Fp8View, name: string): TensorData {
    const parts = 'parts' in view.source ? view.source.parts : [view.source];
    const arrays = parts.map((p) => {
      const { dtype } = this.ckpt.info(p.name);
      if (dtype !== 'F8_E4M3')
        throw new WeightError(`${this.ckpt.location}: weight "${name}" needs tensor "${p.name}" in F8_E4M3 (with weight_scale_inv), but it is ${dtype}`);
      return view.part === 'weight' ? this.ckpt.read(p.name) : this.ckpt.read(p.name + SCALE_SUFFIX);
    });
    const total = arrays.reduce((n, a) => n + a.length, 0);
    const out = view.part === 'weight' ? new Uint8Array(total) : new Float32Array(total);
    let at = 0;
    for (const a of arrays) {
      out.set(a as Uint8Array & Float32Array, at);
      at += a.length;
    }
    return tensorData(view.part === 'weight' ? 'f8e4m3fn' : 'f32', view.shape, out, `weight "${name}"`);
  }
}
