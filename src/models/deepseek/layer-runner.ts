// One decoder layer run chunk after chunk on hidden states given from outside, with KV caches of its own: the layer
// graph (layer-graph.ts) compiled once per chunk length, the caches donated to each run and kept from it, as the
// Session does for the whole model. The golden per-block check and `dsv3 forward --layers` replay layers with it;
// only the layer's own weights are read.

import { tensorData, zeros, type TensorData } from '../../ir/index.js';
import type { Backend, DeviceTensor, Executable } from '../../backends/backend.js';
import { buildLayerGraph, layerCacheSpecs } from './layer-graph.js';
import type { LoadedModel } from './loaded-model.js';

export class LayerRunner {
  private readonly executables = new Map<number, Executable>();
  private readonly cacheNames: readonly string[];
  private caches: Record<string, DeviceTensor>;
  private pos = 0;

  constructor(
    private readonly model: LoadedModel,
    private readonly backend: Backend,
    readonly layer: number,
    readonly batch: number,
  ) {
    const specs = layerCacheSpecs(model.config, model.settings, batch, layer);
    this.cacheNames = specs.map((c) => c.name);
    this.caches = Object.fromEntries(specs.map((c) => [c.name, backend.upload(zeros('f32', c.shape))]));
  }

  /** How many positions the caches hold. */
  get position(): number {
    return this.pos;
  }

  /**
   * Runs the layer on `x` [batch, S, hidden] at the next S positions; returns its outputs (layer-graph.ts: block,
   * attn, ffn and, for a MoE layer, gate.input, gate.scores, gate.indices, gate.weights).
   */
  async run(x: TensorData): Promise<Record<string, TensorData>> {
    const seqLen = x.shape[1]!;
    const { maxSeqLen } = this.model.settings;
    if (this.pos + seqLen > maxSeqLen) throw new RangeError(`layer ${this.layer}: ${seqLen} more positions at position ${this.pos} exceed the cache length ${maxSeqLen} (maxSeqLen)`);
    let exe = this.executables.get(seqLen);
    if (exe === undefined) {
      const { config, settings, weights } = this.model;
      exe = await this.backend.compile(buildLayerGraph(config, settings, weights.layout, { layer: this.layer, batch: this.batch, seqLen }), weights, { donate: this.cacheNames });
      this.executables.set(seqLen, exe);
    }
    const startPos = tensorData('i32', [], new Int32Array([this.pos]));
    const { outputs, kept } = await exe.run({ x, start_pos: startPos, ...this.caches }, { donate: this.cacheNames, keep: this.cacheNames });
    this.caches = kept;
    this.pos += seqLen;
    return outputs;
  }

  /**
   * Disposes the compiled executables, and with them the backend's copies of the layer's weights, keeping the
   * caches (a streamed layer between steps); the next run compiles again, which the backend's program cache makes
   * a binding of the weights.
   */
  release(): void {
    for (const exe of this.executables.values()) exe.dispose();
    this.executables.clear();
  }

  dispose(): void {
    for (const t of Object.values(this.caches)) t.dispose();
    for (const exe of this.executables.values()) exe.dispose();
    this.executables.clear();
  }
}
