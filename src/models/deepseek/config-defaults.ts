// What a config.json key means when the file leaves it out: the default of the configuration classes such a file is
// read with. Hugging Face's `save_pretrained` writes only the keys that differ from its class's defaults, so a
// missing key means the default, not "none". A key has a default here only where the two classes of its model type
// agree: transformers' (DeepseekV3Config in models/deepseek_v3/configuration_deepseek_v3.py, DeepseekV2Config in
// models/deepseek_v2/configuration_deepseek_v2.py) and DeepSeek's own (configuration_deepseek.py in the model
// repositories); keys where they differ are required. For DeepSeek-V3 that is num_nextn_predict_layers (1 in
// DeepSeek's class, absent from transformers', which runs no MTP); for DeepSeek-V2 vocab_size, num_hidden_layers,
// the expert counts and topk_method ("greedy" in transformers', "gready" in DeepSeek's). topk_method and
// scoring_func are DeepSeek's keys; transformers' DeepSeek-V3 code always routes that way.

import type { ModelType } from './config.js';

/** What DeepSeek-V2 and V3 share: the MLA ranks and head sizes, RoPE without scaling, the norm eps. */
const SHARED = {
  q_lora_rank: 1536,
  kv_lora_rank: 512,
  qk_nope_head_dim: 128,
  qk_rope_head_dim: 64,
  v_head_dim: 128,
  rope_theta: 10000,
  rope_scaling: null,
  rms_norm_eps: 1e-6,
};

export const CONFIG_DEFAULTS: Readonly<Record<ModelType, Readonly<Record<string, unknown>>>> = {
  deepseek_v3: {
    ...SHARED,
    vocab_size: 129280,
    hidden_size: 7168,
    intermediate_size: 18432,
    moe_intermediate_size: 2048,
    num_hidden_layers: 61,
    first_k_dense_replace: 3,
    num_attention_heads: 128,
    n_routed_experts: 256,
    n_shared_experts: 1,
    num_experts_per_tok: 8,
    n_group: 8,
    topk_group: 4,
    routed_scaling_factor: 2.5,
    scoring_func: 'sigmoid',
    topk_method: 'noaux_tc',
    norm_topk_prob: true,
    max_position_embeddings: 4096,
  },
  // n_group and topk_group are None in both classes: no groups, which only greedy routing can use (config.ts).
  // Neither class has num_nextn_predict_layers: DeepSeek-V2 has no MTP module.
  deepseek_v2: {
    ...SHARED,
    hidden_size: 4096,
    intermediate_size: 11008,
    moe_intermediate_size: 1407,
    first_k_dense_replace: 0,
    num_attention_heads: 32,
    routed_scaling_factor: 1,
    scoring_func: 'softmax',
    norm_topk_prob: false,
    max_position_embeddings: 2048,
    num_nextn_predict_layers: 0,
  },
};
