// config.json parsing: the four golden configs, and an error naming the key for each kind of bad input.

import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadModelConfig, parseModelConfig } from '../../src/models/deepseek/config.js';
import { defaultSettings, OFFICIAL_NORM_EPS } from '../../src/models/deepseek/settings.js';
import { directoryFiles } from '../../src/io/local-files.js';

const v3 = JSON.parse(fs.readFileSync('spec/golden/v3-tiny-f32/config.json', 'utf8')) as Record<string, unknown>;
const withKeys = (changes: Record<string, unknown>) => ({ ...v3, ...changes });

describe('parseModelConfig', () => {
  it('reads the V3 golden config', () => {
    const c = loadModelConfig(directoryFiles('spec/golden/v3-tiny-f32'));
    expect(c).toMatchObject({
      modelType: 'deepseek_v3', hiddenSize: 64, numHiddenLayers: 3, firstKDenseReplace: 1, qLoraRank: 32, kvLoraRank: 32,
      nRoutedExperts: 16, numExpertsPerTok: 4, nGroup: 4, topkGroup: 2, scoringFunc: 'sigmoid', topkMethod: 'noaux_tc',
      routedScalingFactor: 2.5, quantization: null, numNextnPredictLayers: 0,
      ropeScaling: { factor: 40, originalMaxPositionEmbeddings: 32, betaFast: 32, betaSlow: 1, mscale: 1 },
    });
  });

  it('reads V2-Lite (q_lora_rank null means no query compression) and the FP8 and MTP configs', () => {
    const v2 = loadModelConfig(directoryFiles('spec/golden/v2lite-tiny-f32'));
    expect(v2).toMatchObject({ modelType: 'deepseek_v2', qLoraRank: 0, scoringFunc: 'softmax', topkMethod: 'greedy', normTopkProb: false, nSharedExperts: 2 });
    expect(loadModelConfig(directoryFiles('spec/golden/v3-fp8-tiny')).quantization).toEqual({ blockSize: [128, 128], scaleFmt: 'none' });
    expect(loadModelConfig(directoryFiles('spec/golden/v3-tiny-mtp')).numNextnPredictLayers).toBe(1);
  });

  it('accepts any square FP8 block and any MTP depth', () => {
    const q = { quant_method: 'fp8', fmt: 'e4m3', activation_scheme: 'dynamic', weight_block_size: [64, 64] };
    expect(parseModelConfig(withKeys({ quantization_config: q })).quantization?.blockSize).toEqual([64, 64]);
    expect(parseModelConfig(withKeys({ num_nextn_predict_layers: 3 })).numNextnPredictLayers).toBe(3);
  });

  it('accepts ue8m0 scales (DeepSeek-V3.1)', () => {
    const q = { quant_method: 'fp8', fmt: 'e4m3', activation_scheme: 'dynamic', weight_block_size: [128, 128], scale_fmt: 'ue8m0' };
    expect(parseModelConfig(withKeys({ quantization_config: q })).quantization?.scaleFmt).toBe('ue8m0');
  });

  it('defaults the norm eps to the official 1e-6 whatever rms_norm_eps says (quirk 6)', () => {
    const c = parseModelConfig(withKeys({ rms_norm_eps: 1e-5 }));
    expect(c.rmsNormEps).toBe(1e-5);
    expect(defaultSettings(c).normEps).toBe(OFFICIAL_NORM_EPS);
    expect(defaultSettings(c, { normEps: 1e-5 }).normEps).toBe(1e-5);
  });

  const errors: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown key', { n_experts: 16 }, /"n_experts" is not a known key/],
    ['a missing key without a default', { num_nextn_predict_layers: undefined }, /"num_nextn_predict_layers" is missing, and the configuration classes give it no common default/],
    ['a wrong type', { hidden_size: '64' }, /"hidden_size" must be an integer, got "64"/],
    ['a non-integer size', { num_attention_heads: 4.5 }, /"num_attention_heads" must be an integer/],
    ['an unknown model type', { model_type: 'llama' }, /"model_type" must be one of "deepseek_v3", "deepseek_v2"/],
    ['experts not divisible by groups', { n_group: 3, topk_group: 1 }, /"n_routed_experts" \(16\) must be divisible by "n_group" \(3\)/],
    ['topk_group > n_group', { topk_group: 5 }, /"topk_group" \(5\) must not exceed "n_group" \(4\)/],
    ['num_experts_per_tok > n_routed_experts', { num_experts_per_tok: 17 }, /"num_experts_per_tok" \(17\) must not exceed "n_routed_experts"/],
    ['too few experts in the kept groups', { topk_group: 1, num_experts_per_tok: 5 }, /"topk_group" \(1\) groups of 4 experts cannot supply/],
    ['first_k_dense_replace > layers', { first_k_dense_replace: 4 }, /"first_k_dense_replace" \(4\) must not exceed "num_hidden_layers"/],
    ['an odd rope dim', { qk_rope_head_dim: 7 }, /"qk_rope_head_dim" must be even/],
    ['tied embeddings', { tie_word_embeddings: true }, /"tie_word_embeddings" must be false/],
    ['attention bias', { attention_bias: true }, /"attention_bias" must be false/],
    ['another activation', { hidden_act: 'gelu' }, /"hidden_act" must be "silu"/],
    ['sparse MoE layers', { moe_layer_freq: 2 }, /"moe_layer_freq" must be 1/],
    ['norm_topk_prob against the official rule', { norm_topk_prob: false }, /"norm_topk_prob" must be true with "scoring_func" "sigmoid"/],
    ['an unknown rope_scaling key', { rope_scaling: { ...(v3.rope_scaling as object), alpha: 1 } }, /"rope_scaling.alpha" is not a known key/],
    ['a non-yarn rope_scaling', { rope_scaling: { ...(v3.rope_scaling as object), type: 'linear' } }, /"rope_scaling.type" must be one of "yarn"/],
    ['two different mscales', { rope_scaling: { ...(v3.rope_scaling as object), mscale: 0.707 } }, /"rope_scaling.mscale" \(0.707\) must equal "rope_scaling.mscale_all_dim" \(1\)/],
    ['a missing yarn field', { rope_scaling: { ...(v3.rope_scaling as object), beta_fast: undefined } }, /"rope_scaling.beta_fast" is missing/],
    ['a non-square quantisation block', { quantization_config: { quant_method: 'fp8', fmt: 'e4m3', activation_scheme: 'dynamic', weight_block_size: [128, 64] } }, /"quantization_config.weight_block_size" must be square, \[b, b\]/],
    ['a zero quantisation block', { quantization_config: { quant_method: 'fp8', fmt: 'e4m3', activation_scheme: 'dynamic', weight_block_size: [0, 0] } }, /"quantization_config.weight_block_size" must be \[b, b\] with b a positive integer/],
    ['another quantisation method', { quantization_config: { quant_method: 'awq' } }, /"quantization_config.quant_method" must be one of "fp8"/],
    ['a negative MTP depth', { num_nextn_predict_layers: -1 }, /"num_nextn_predict_layers" must be >= 0/],
  ];
  for (const [what, changes, message] of errors) {
    it(`rejects ${what}, naming the key`, () => {
      expect(() => parseModelConfig(withKeys(changes), 'my/config.json')).toThrow(ConfigError);
      expect(() => parseModelConfig(withKeys(changes), 'my/config.json')).toThrow(message);
    });
  }

  it('rejects settings outside the config', () => {
    const c = parseModelConfig(v3);
    expect(() => defaultSettings(c, { maxSeqLen: 65 })).toThrow(/maxSeqLen must be an integer in \[1, 64\]/);
    expect(() => defaultSettings(c, { attention: 'flash' as never })).toThrow(/attention must be "absorb" or "naive"/);
  });
});
