// A model config and run settings as the attributes of the model's composites (src/composites): the attention's,
// the MoE layers' (routing included), and how their Linear layers run.

import type { MlaAttrs } from '../../composites/mla.js';
import type { MoeAttrs } from '../../composites/moe.js';
import { pickProjectionAttrs, type ProjectionAttrs } from '../../composites/projection.js';
import type { RouterAttrs } from '../../composites/router.js';
import { hasRouterBias, type ModelConfig } from './config.js';
import { fp8Block } from './layout.js';
import { softmaxScale } from './rope.js';
import type { ModelSettings } from './settings.js';

/** The settings and the FP8 block edge as attributes: none under gemm dequant, so f32 graphs carry none. */
export function projectionAttrs(s: Pick<ModelSettings, 'gemm' | 'scaleFmt' | 'ue8m0Reach'>, block: number): ProjectionAttrs {
  return pickProjectionAttrs({ gemm: s.gemm, linear_scale_fmt: s.scaleFmt, parallel_scale_fmt: s.ue8m0Reach === 'all' ? s.scaleFmt : 'none', fp8_block: block });
}

export function mlaAttrs(c: ModelConfig, s: ModelSettings): MlaAttrs {
  return {
    heads: c.numAttentionHeads,
    qk_nope: c.qkNopeHeadDim,
    qk_rope: c.qkRopeHeadDim,
    v_head: c.vHeadDim,
    kv_lora: c.kvLoraRank,
    q_lora: c.qLoraRank,
    attention: s.attention,
    softmax_scale: softmaxScale(c),
    eps: s.normEps,
    ...projectionAttrs(s, fp8Block(c)),
  };
}

/** greedy routing has no group limit, whatever n_group says (as in Hugging Face's DeepSeek-V2). */
export function routerAttrs(c: ModelConfig): RouterAttrs {
  const grouped = c.topkMethod !== 'greedy' && c.nGroup > 1;
  return {
    topk: c.numExpertsPerTok,
    groups: grouped ? c.nGroup : 1,
    topk_groups: grouped ? c.topkGroup : 1,
    scoring: c.scoringFunc,
    route_scale: c.routedScalingFactor,
    router_bias: hasRouterBias(c),
  };
}

export const moeAttrs = (c: ModelConfig, s: ModelSettings): MoeAttrs => ({ ...routerAttrs(c), ...projectionAttrs(s, fp8Block(c)), shared: c.nSharedExperts > 0 });
