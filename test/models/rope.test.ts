// The rotary table and softmax scale against the official values: the golden freqs_cis tables, the manifests'
// softmax_scale, and DeepSeek-V3's published YaRN numbers (spec/techniques.md §RoPE and YaRN).

import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SafetensorsFile } from '../../src/io/safetensors.js';
import { loadModelConfig, parseModelConfig } from '../../src/models/deepseek/config.js';
import { activeYarn, ropeFrequencies, ropeTable, softmaxScale } from '../../src/models/deepseek/rope.js';
import { DEEPSEEK_V3_CONFIG } from './deepseek-v3-config.js';
import { directoryFiles, fileBytes } from '../../src/io/local-files.js';

const bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0]!;

/** Entries that differ, and the largest difference in units in the last place. */
function ulpDiff(got: Float32Array, want: Float32Array): { differing: number; maxUlp: number } {
  let differing = 0;
  let maxUlp = 0;
  for (let i = 0; i < want.length; i++) {
    if (got[i] === want[i]) continue;
    differing++;
    maxUlp = Math.max(maxUlp, Math.abs(bits(got[i]!) - bits(want[i]!)));
  }
  return { differing, maxUlp };
}

describe('rope table', () => {
  // Measured: the frequencies are exact; a few cos/sin values differ by 1 ulp (torch's vectorised cosf/sinf are
  // not correctly rounded; we round the float64 result once).
  const measured: Record<string, number> = { 'v3-tiny-f32': 2, 'v2lite-tiny-f32': 1, 'v3-fp8-tiny': 7, 'v3-tiny-mtp': 2 };
  for (const [name, differing] of Object.entries(measured)) {
    it(`${name}: within 1 ulp of the official f32 freqs_cis (${differing} entries differ)`, () => {
      const dir = `spec/golden/${name}`;
      const config = loadModelConfig(directoryFiles(dir));
      using expected = SafetensorsFile.open(fileBytes(`${dir}/expected.safetensors`));
      const table = ropeTable(config, config.maxPositionEmbeddings);
      const cos = ulpDiff(table.cos, expected.read('rope.freqs_cos') as Float32Array);
      const sin = ulpDiff(table.sin, expected.read('rope.freqs_sin') as Float32Array);
      expect(Math.max(cos.maxUlp, sin.maxUlp)).toBeLessThanOrEqual(1);
      expect(cos.differing + sin.differing).toBe(differing);
      const manifest = JSON.parse(fs.readFileSync(`${dir}/manifest.json`, 'utf8')) as { softmax_scale?: number; mtp?: { softmax_scale: number } };
      expect(softmaxScale(config)).toBe(manifest.softmax_scale ?? manifest.mtp!.softmax_scale);
    });
  }

  it('applies YaRN only when max_position_embeddings exceeds the original context (quirk 3)', () => {
    expect(activeYarn(loadModelConfig(directoryFiles('spec/golden/v3-tiny-f32')))).toBeDefined();
    const v2 = loadModelConfig(directoryFiles('spec/golden/v2lite-tiny-f32'));
    expect(activeYarn(v2)).toBeUndefined();
    expect(softmaxScale(v2)).toBe(24 ** -0.5);
  });

  it("reproduces DeepSeek-V3's YaRN band (pairs 0..10 kept, 23..31 divided by 40) and softmax scale", () => {
    const v3 = parseModelConfig(DEEPSEEK_V3_CONFIG);
    const plain = ropeFrequencies(parseModelConfig({ ...DEEPSEEK_V3_CONFIG, max_position_embeddings: 4096 }));
    const ratio = Array.from(ropeFrequencies(v3), (f, i) => f / plain[i]!);
    expect(ratio.slice(0, 11).every((r) => r === 1)).toBe(true);
    expect(ratio.slice(23).every((r) => Math.abs(r - 1 / 40) < 1e-7)).toBe(true);
    expect(ratio[11]).toBeCloseTo(0.925, 3);
    expect(ratio[16]).toBeCloseTo(0.55, 2);
    expect(ratio[22]).toBeCloseTo(0.1, 2);
    expect(softmaxScale(v3)).toBeCloseTo(0.1352338, 7);
  });
});
