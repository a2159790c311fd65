// One MTP module as its own graph, run chunk after chunk with KV caches of its own (speculative decoding drafts with
// it, mtp-drafter.ts):
//   inputs  tokens i32 [B, S] (the tokens k+1 ahead of the chunk's positions), hidden [B, S, D] (module k-1's
//           block output there, or the main model's hidden state for k = 0), start_pos i32 [], and the module's two
//           caches mtp.<k>.cache.<name>;
//   outputs logits [B, 1, vocab] (the prediction from the chunk's last position: the draft), hidden [B, S, D] (the
//           block output, which module k+1 takes) and the updated caches under their input names.
// The same composite as the model graph's MTP modules (model.ts modelHead), there run once over a prefill with
// fresh caches; here at any start_pos, with the rotary rows of the chunk's positions.

import type { Graph } from '../../ir/index.js';
import { mlaCacheTypes } from '../../composites/mla.js';
import { mtpBlock } from '../../composites/mtp.js';
import { slice, Trace, type Tensor } from '../../ops/index.js';
import { mlaAttrs, moeAttrs } from './attrs.js';
import type { ModelConfig } from './config.js';
import { fp8Block, type ModelLayout } from './layout.js';
import { rotaryRows, type CacheSpec } from './model.js';
import type { ModelSettings } from './settings.js';
import { bindWeights, mtpWeightSlots } from './weight-operands.js';

export interface MtpGraphOptions {
  readonly module: number;
  readonly batch: number;
  readonly seqLen: number;
}

/** The cache inputs (and outputs) of MTP module `k`: settings.maxSeqLen positions per row. */
export function mtpCacheSpecs(config: ModelConfig, settings: ModelSettings, batch: number, k: number): CacheSpec[] {
  return Object.entries(mlaCacheTypes(mlaAttrs(config, settings), batch, settings.maxSeqLen)).map(([name, shape]) => ({ name: `mtp.${k}.cache.${name}`, shape }));
}

export function buildMtpGraph(config: ModelConfig, settings: ModelSettings, layout: ModelLayout, o: MtpGraphOptions): Graph {
  const m = layout.mtp[o.module];
  if (m === undefined) throw new RangeError(`MTP module ${o.module} does not exist; the model has ${layout.mtp.length} (num_nextn_predict_layers)`);
  if (!Number.isSafeInteger(o.seqLen) || o.seqLen < 1 || o.seqLen > settings.maxSeqLen)
    throw new RangeError(`seqLen must be an integer in [1, ${settings.maxSeqLen}] (the cache length), got ${o.seqLen}`);
  const { batch: B, seqLen: S } = o;
  const t = new Trace(`deepseek_mtp_${o.module}`);
  const tokens = t.input('tokens', 'i32', [B, S]);
  const hidden = t.input('hidden', 'f32', [B, S, config.hiddenSize]);
  const startPos = t.input('start_pos', 'i32', []);
  const specs = mtpCacheSpecs(config, settings, B, o.module);
  const [a, b] = specs.map((c) => t.input(c.name, 'f32', c.shape)) as [Tensor, Tensor];
  const { cos, sin } = rotaryRows(t, layout, startPos, S);
  const r = mtpBlock(
    { tokens, hidden, cos, sin, startPos, caches: [a, b] },
    bindWeights(t, mtpWeightSlots(m), settings.gemm, fp8Block(config)),
    { ...mlaAttrs(config, settings), ...moeAttrs(config, settings) },
  );
  return t.build({ logits: slice(r.logits, 1, S - 1, S), hidden: r.hidden, [specs[0]!.name]: r.caches[0], [specs[1]!.name]: r.caches[1] });
}
