// One decoder layer run chunk after chunk on hidden states given from outside, with KV caches of its own: the layer
// graph (layer-graph.ts) compiled once per chunk length, the caches donated to each run and kept from it, as the
// Session does for the whole model (cached-graph-runner.ts). The golden per-block check and `dsv3 forward --layers`
// replay layers with it; only the layer's own weights are read.

import type { TensorData } from '../../ir/index.js';
import type { Backend } from '../../backends/backend.js';
import { CachedGraphRunner } from './cached-graph-runner.js';
import { buildLayerGraph, layerCacheSpecs } from './layer-graph.js';
import type { LoadedModel } from './loaded-model.js';

export class LayerRunner {
  private readonly graph: CachedGraphRunner;
  private pos = 0;

  constructor(
    private readonly model: LoadedModel,
    backend: Backend,
    readonly layer: number,
    readonly batch: number,
  ) {
    const { config, settings, weights } = model;
    this.graph = new CachedGraphRunner(backend, weights, layerCacheSpecs(config, settings, batch, layer), (seqLen) =>
      buildLayerGraph(config, settings, weights.layout, { layer, batch, seqLen }),
    );
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
    const { outputs } = await this.graph.run(seqLen, { x }, this.pos);
    this.pos += seqLen;
    return outputs;
  }

  /** Disposes the compiled graphs, keeping the caches (a streamed layer between steps: CachedGraphRunner.release). */
  release(): void {
    this.graph.release();
  }

  dispose(): void {
    this.graph.dispose();
  }
}
