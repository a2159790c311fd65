// Parameter counts and KV-cache sizes for DeepSeek-V3's real dimensions against the published figures
// (spec/techniques.md §Dimensions, §KV cache and §MTP), and for a golden model against its checkpoint.

import { describe, expect, it } from 'vitest';
import { SafetensorsFile } from '../../src/io/safetensors.js';
import { loadModelConfig, parseModelConfig } from '../../src/models/deepseek/config.js';
import { kvCacheBytesPerToken, parameterCounts } from '../../src/models/deepseek/stats.js';
import { DEEPSEEK_V3_CONFIG } from './deepseek-v3-config.js';
import { directoryFiles, fileBytes } from '../../src/io/local-files.js';

const v3 = parseModelConfig(DEEPSEEK_V3_CONFIG);

describe('kvCacheBytesPerToken', () => {
  it('gives 70,272 bytes per token in bf16 for DeepSeek-V3 (576 elements x 61 layers)', () => {
    const kv = kvCacheBytesPerToken(v3, 2);
    expect(kv.absorbed).toBe(70_272);
    expect(kv.mha).toBe(1_998_848 * 2);
    expect(kv.naive).toBe(2_498_560 * 2);
    expect(kv.mha / kv.absorbed).toBeCloseTo(56.9, 1);
  });
});

describe('parameterCounts', () => {
  it('gives about 671B total and 37B activated parameters for DeepSeek-V3, and an 11.6B MTP module', () => {
    const p = parameterCounts(v3);
    expect(p.total / 1e9).toBeCloseTo(671, 0);
    expect(p.activated / 1e9).toBeCloseTo(37.5, 0);
    expect(p.embedding / 1e9).toBeCloseTo(0.93, 2);
    expect(p.mtp / 1e9).toBeCloseTo(11.6, 1);
  });

  it('counts exactly the elements of a golden checkpoint', () => {
    const dir = 'spec/golden/v3-tiny-mtp';
    using f = SafetensorsFile.open(fileBytes(`${dir}/model.safetensors`));
    const mtpCopies = ['model.layers.3.embed_tokens.weight', 'model.layers.3.shared_head.head.weight'];
    const count = (names: string[]) => names.reduce((s, n) => s + f.info(n).shape.reduce((a, b) => a * b, 1), 0);
    const mtpNames = f.names().filter((n) => n.startsWith('model.layers.3.') && !mtpCopies.includes(n));
    const p = parameterCounts(loadModelConfig(directoryFiles(dir)));
    expect(p.mtp).toBe(count(mtpNames));
    expect(p.total).toBe(count(f.names().filter((n) => !n.startsWith('model.layers.3.'))));
  });
});
