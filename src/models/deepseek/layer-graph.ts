// One decoder layer as its own graph, to replay a layer on given inputs (the golden checks feed each block the
// stored output of the block before it):
//   inputs  x [B, S, D], start_pos i32 [], cache.<i>.<name> (the layer's two caches, as in the model graph);
//   outputs block [B, S, D] (the residual stream after the layer), attn, ffn, and for MoE layers gate.input,
//           gate.scores, gate.indices and gate.weights (model.ts LayerOutputs), and the updated caches under their
//           input names.

import type { Graph } from '../../ir/index.js';
import { Trace, type Tensor } from '../../ops/index.js';
import type { ModelConfig } from './config.js';
import type { ModelLayout } from './layout.js';
import { cacheSpecs, decoderLayer, rotaryRows } from './model.js';
import type { ModelSettings } from './settings.js';

export interface LayerGraphOptions {
  readonly layer: number;
  readonly batch: number;
  readonly seqLen: number;
}

/** The cache inputs (and outputs) of layer `layer`. */
export const layerCacheSpecs = (config: ModelConfig, settings: ModelSettings, batch: number, layer: number) =>
  cacheSpecs(config, settings, batch).filter((c) => c.name.startsWith(`cache.${layer}.`));

export function buildLayerGraph(config: ModelConfig, settings: ModelSettings, layout: ModelLayout, o: LayerGraphOptions): Graph {
  const l = layout.layers[o.layer];
  if (l === undefined) throw new RangeError(`layer ${o.layer} does not exist; the model has ${layout.layers.length} layers`);
  if (!Number.isSafeInteger(o.seqLen) || o.seqLen < 1 || o.seqLen > settings.maxSeqLen)
    throw new RangeError(`seqLen must be an integer in [1, ${settings.maxSeqLen}] (the cache length), got ${o.seqLen}`);
  const t = new Trace(`deepseek_layer_${o.layer}`);
  const x = t.input('x', 'f32', [o.batch, o.seqLen, config.hiddenSize]);
  const startPos = t.input('start_pos', 'i32', []);
  const specs = layerCacheSpecs(config, settings, o.batch, o.layer);
  const [a, b] = specs.map((c) => t.input(c.name, 'f32', c.shape)) as [Tensor, Tensor];
  const { cos, sin } = rotaryRows(t, layout, startPos, o.seqLen);
  const r = decoderLayer(t, config, settings, l, { x, cos, sin, startPos, caches: [a, b] });
  return t.build({ ...r.captures(), [specs[0]!.name]: r.caches[0], [specs[1]!.name]: r.caches[1] });
}
