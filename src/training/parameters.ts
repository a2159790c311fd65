// The model being trained, held as f32 master copies under the checkpoint's names (spec/techniques.md §Training):
// every tensor but the routers' e_score_correction_bias is a parameter (tied MTP copies included: each is read by
// its own name, and tied-parameters.ts sums and copies them); the biases are kept apart, since only the bias update
// changes them. It serves the training graphs as their weight store: a parameter as it is now, the routed experts
// stacked per projection from the per-expert parameters ([E, in, out], as layout.ts lays them out), the rotary
// table from the loaded model. Graphs bind weights when compiled, so a step compiles after every update (the
// program itself is cached by the backend).

import { tensorData, type TensorData, type WeightStore } from '../ir/index.js';
import { transposeInto } from '../models/deepseek/expert-stack.js';
import { checkpointTensors, modelLayout, type ModelLayout, type StackedSlot } from '../models/deepseek/layout.js';
import type { LoadedModel } from '../models/deepseek/loaded-model.js';

/** dst ← the transpose of src's [rows, cols] f32 values, dst starting at element `offset`. */
function transpose(src: Float32Array, rows: number, cols: number, dst: Float32Array, offset: number): void {
  const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
  transposeInto(bits(src), 0, rows, cols, bits(dst), offset);
}

export class TrainingParameters implements WeightStore {
  /** Every parameter, by checkpoint name, in checkpoint order (the optimizer's, and torch's parameter order). */
  readonly values = new Map<string, Float32Array>();
  /** Each MoE layer's e_score_correction_bias, by checkpoint name. */
  readonly biases = new Map<string, Float32Array>();
  /** The layout the training graphs read: the model's, with every weight f32. */
  readonly layout: ModelLayout;
  private readonly stacks: readonly StackedSlot[];
  private readonly shapes = new Map<string, readonly number[]>();

  constructor(private readonly model: LoadedModel) {
    if (model.settings.gemm !== 'dequant') throw new RangeError(`training runs f32 GEMMs (gemm dequant); gradients do not flow through FP8 GEMMs (gemm ${model.settings.gemm})`);
    const { config, weights } = model;
    this.layout = modelLayout(config, weights.layout.ropeCos.shape[0]);
    const moe = [...this.layout.layers, ...this.layout.mtp.map((m) => m.block)].flatMap((l) => (l.ffn.kind === 'moe' ? [l.ffn.moe] : []));
    this.stacks = moe.flatMap((m) => Object.values(m.experts));
    const biases = new Set(moe.flatMap((m) => (m.bias ? [m.bias.name] : [])));
    for (const t of checkpointTensors(this.layout)) {
      (biases.has(t.name) ? this.biases : this.values).set(t.name, Float32Array.from(weights.float32(t.name)));
      this.shapes.set(t.name, t.shape);
    }
  }

  /** The graph weights gradients are taken of: each parameter the graphs read whole, and each stacked expert projection. */
  gradientTargets(): string[] {
    const parts = new Set(this.stacks.flatMap((s) => s.parts.map((p) => p.name)));
    return [...[...this.values.keys()].filter((n) => !parts.has(n)), ...this.stacks.map((s) => s.name)];
  }

  /** The shape of parameter or bias `name`, as the checkpoint stores it. */
  shape(name: string): readonly number[] {
    const shape = this.shapes.get(name);
    if (shape === undefined) throw new RangeError(`"${name}" is not a parameter or router bias of the model being trained`);
    return shape;
  }

  get(name: string): TensorData {
    const what = `weight "${name}"`;
    const stack = this.stacks.find((s) => s.name === name);
    if (stack !== undefined) {
      const [E, inDim, outDim] = stack.shape as [number, number, number];
      const data = new Float32Array(E * inDim * outDim);
      stack.parts.forEach((p, e) => transpose(this.values.get(p.name)!, outDim, inDim, data, e * inDim * outDim));
      return tensorData('f32', stack.shape, data, what);
    }
    const values = this.values.get(name) ?? this.biases.get(name);
    if (values !== undefined) return tensorData('f32', this.shape(name), values, what);
    return this.model.weights.get(name);
  }

  /**
   * The gradient of every parameter, by checkpoint name in parameter order, from a gradient graph's outputs
   * (`grad.<target>` for each of gradientTargets(); a stacked projection split into its experts' [out, in]).
   */
  gradients(outputs: Readonly<Record<string, TensorData>>): Map<string, Float32Array> {
    const byName = new Map<string, Float32Array>();
    const output = (name: string) => {
      const t = outputs[`grad.${name}`];
      if (t === undefined || t.dtype !== 'f32') throw new Error(`the gradient graph gave no f32 output grad.${name}`);
      return t.data as Float32Array;
    };
    for (const s of this.stacks) {
      const [, inDim, outDim] = s.shape as [number, number, number];
      const g = output(s.name);
      s.parts.forEach((p, e) => {
        const part = new Float32Array(inDim * outDim);
        transpose(g.subarray(e * inDim * outDim, (e + 1) * inDim * outDim), inDim, outDim, part, 0);
        byName.set(p.name, part);
      });
    }
    return new Map([...this.values.keys()].map((n) => [n, byName.get(n) ?? output(n)]));
  }
}
