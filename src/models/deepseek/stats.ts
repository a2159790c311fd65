// Sizes that follow from a config alone: parameter counts (total, and activated per token, where routed experts
// count only the top-k chosen) and KV-cache bytes per token for each way of caching attention
// (spec/techniques.md §KV cache).

import { hasRouterBias, isMoeLayer, type ModelConfig } from './config.js';

export interface ParameterCounts {
  /** The main model: embedding, layers, final norm and head (the MTP module is counted separately). */
  readonly total: number;
  /** Per token: as total, but with only num_experts_per_tok routed experts of each MoE layer. */
  readonly activated: number;
  readonly embedding: number;
  readonly head: number;
  /** The MTP modules (all num_nextn_predict_layers of them) without their copies of the embedding and head. */
  readonly mtp: number;
  readonly mtpActivated: number;
}

function attentionParams(c: ModelConfig): number {
  const H = c.numAttentionHeads;
  const D = c.hiddenSize;
  const query = c.qLoraRank > 0 ? D * c.qLoraRank + c.qLoraRank + c.qLoraRank * H * (c.qkNopeHeadDim + c.qkRopeHeadDim) : D * H * (c.qkNopeHeadDim + c.qkRopeHeadDim);
  const kv = D * (c.kvLoraRank + c.qkRopeHeadDim) + c.kvLoraRank + c.kvLoraRank * H * (c.qkNopeHeadDim + c.vHeadDim);
  return query + kv + H * c.vHeadDim * D;
}

/** Parameters of layer i: [all, activated per token]. */
function layerParams(c: ModelConfig, i: number): [number, number] {
  const D = c.hiddenSize;
  const common = attentionParams(c) + 2 * D;
  if (!isMoeLayer(c, i)) return [common + 3 * D * c.intermediateSize, common + 3 * D * c.intermediateSize];
  const expert = 3 * D * c.moeIntermediateSize;
  const router = c.nRoutedExperts * D + (hasRouterBias(c) ? c.nRoutedExperts : 0);
  const shared = c.nSharedExperts * expert;
  return [common + router + shared + c.nRoutedExperts * expert, common + router + shared + c.numExpertsPerTok * expert];
}

export function parameterCounts(c: ModelConfig): ParameterCounts {
  const D = c.hiddenSize;
  const embedding = c.vocabSize * D;
  const head = c.vocabSize * D;
  let total = embedding + head + D;
  let activated = total;
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const [all, active] = layerParams(c, i);
    total += all;
    activated += active;
  }
  // Each module: enorm, hnorm, shared_head.norm, eh_proj [D, 2D], and a MoE decoder layer.
  const mtpOwn = 3 * D + 2 * D * D;
  const [mtpBlock, mtpBlockActive] = layerParams(c, c.numHiddenLayers);
  const modules = c.numNextnPredictLayers;
  return { total, activated, embedding, head, mtp: modules * (mtpOwn + mtpBlock), mtpActivated: modules * (mtpOwn + mtpBlockActive) };
}

export interface KvCacheSizes {
  /** Absorbed MLA: kv_norm(c_kv) and the rotated k_pe, (kv_lora + rope) per layer. */
  readonly absorbed: number;
  /** Naive MLA: per-head K (nope + rope) and V (v_head), H·(nope + rope + v) per layer. */
  readonly naive: number;
  /** Standard multi-head attention with head dim d_h = qk_nope_head_dim, the V2 paper's 2·n_h·d_h per layer. */
  readonly mha: number;
}

/** Bytes of KV cache per token over the main model's layers, at `bytesPerElement` (2 for bf16). */
export function kvCacheBytesPerToken(c: ModelConfig, bytesPerElement: number): KvCacheSizes {
  const perLayer = (elements: number) => elements * c.numHiddenLayers * bytesPerElement;
  const H = c.numAttentionHeads;
  return {
    absorbed: perLayer(c.kvLoraRank + c.qkRopeHeadDim),
    naive: perLayer(H * (c.qkNopeHeadDim + c.qkRopeHeadDim + c.vHeadDim)),
    mha: perLayer(2 * H * c.qkNopeHeadDim),
  };
}
