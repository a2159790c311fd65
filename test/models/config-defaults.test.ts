// config.json keys left out: the defaults of the Hugging Face / DeepSeek configuration classes (config-defaults.ts),
// or an error where the classes give none; and the rope_scaling type / rope_type conflict.

import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../src/models/deepseek/config.js';
import { DEEPSEEK_V3_CONFIG } from './deepseek-v3-config.js';

const v2 = JSON.parse(fs.readFileSync('spec/golden/v2lite-tiny-f32/config.json', 'utf8')) as Record<string, unknown>;
const v3Tiny = JSON.parse(fs.readFileSync('spec/golden/v3-tiny-f32/config.json', 'utf8')) as Record<string, unknown>;
const without = (json: Record<string, unknown>, ...keys: string[]) => Object.fromEntries(Object.entries(json).filter(([k]) => !keys.includes(k)));

describe('config defaults', () => {
  it("reads DeepSeek-V3's config written as save_pretrained writes it (only the keys that differ from the defaults) as the full one", () => {
    const differing = ['model_type', 'max_position_embeddings', 'num_nextn_predict_layers', 'rope_scaling', 'quantization_config'];
    const diff = Object.fromEntries(differing.map((k) => [k, DEEPSEEK_V3_CONFIG[k as keyof typeof DEEPSEEK_V3_CONFIG]]));
    expect(parseModelConfig(diff)).toEqual(parseModelConfig(DEEPSEEK_V3_CONFIG));
  });

  it('routes a V3 config without topk_group and n_group over 4 of 8 groups, as Hugging Face does', () => {
    const c = parseModelConfig({ ...without(v3Tiny, 'n_group', 'topk_group'), n_routed_experts: 16 });
    expect(c).toMatchObject({ nGroup: 8, topkGroup: 4 });
  });

  it('says which defaults it read when they do not fit the file', () => {
    expect(() => parseModelConfig({ ...without(v3Tiny, 'num_experts_per_tok'), n_routed_experts: 4 }, 'my/config.json')).toThrow(
      /"num_experts_per_tok" \(8\) must not exceed "n_routed_experts" \(4\) \("num_experts_per_tok" is not in the file and defaults to 8\)$/,
    );
    expect(() => parseModelConfig({ ...without(v3Tiny, 'n_group'), n_routed_experts: 12 }, 'my/config.json')).toThrow(
      /"n_routed_experts" \(12\) must be divisible by "n_group" \(8\) \("n_group" is not in the file and defaults to 8\)/,
    );
  });

  it('requires num_nextn_predict_layers in a V3 config: the two configuration classes disagree on it', () => {
    expect(() => parseModelConfig(without(v3Tiny, 'num_nextn_predict_layers'))).toThrow(/"num_nextn_predict_layers" is missing, and the configuration classes give it no common default/);
  });

  it("leaves a greedy V2 config without groups (None in DeepSeek-V2's classes), and requires them for group-limited routing", () => {
    expect(parseModelConfig(without(v2, 'n_group', 'topk_group'))).toMatchObject({ nGroup: 1, topkGroup: 1, topkMethod: 'greedy' });
    expect(() => parseModelConfig({ ...without(v2, 'n_group'), topk_method: 'group_limited_greedy' })).toThrow(/"n_group" is missing/);
  });

  it('uses the V2 defaults for a V2 config, not the V3 ones', () => {
    expect(parseModelConfig(without(v2, 'routed_scaling_factor', 'max_position_embeddings'))).toMatchObject({ routedScalingFactor: 1, maxPositionEmbeddings: 2048 });
    expect(() => parseModelConfig(without(v2, 'vocab_size'))).toThrow(/"vocab_size" is missing/);
  });

  it('refuses rope_scaling whose type and rope_type disagree, and accepts them when they agree', () => {
    const yarn = v3Tiny.rope_scaling as Record<string, unknown>;
    expect(() => parseModelConfig({ ...v3Tiny, rope_scaling: { ...yarn, type: 'yarn', rope_type: 'linear' } }, 'my/config.json')).toThrow(
      /my\/config.json: "rope_scaling.rope_type" \("linear"\) contradicts "rope_scaling.type" \("yarn"\)/,
    );
    expect(parseModelConfig({ ...v3Tiny, rope_scaling: { ...yarn, type: 'yarn', rope_type: 'yarn' } }).ropeScaling).toEqual(parseModelConfig(v3Tiny).ropeScaling);
  });
});
