// programStats: a library kernel counts the arithmetic of its op, so claiming a composite leaves a program's flops
// as they were (up to how fusion treats the region compiled alone: it may fold or recompute a few ops differently
// than in context); primitives run as library kernels count their own.

import { describe, expect, it } from 'vitest';
import { claimableComposites } from '../../src/backends/cpu/claims/index.js';
import { compile } from '../../src/compiler/compile.js';
import { programStats } from '../../src/compiler/stats.js';
import { loadModelConfig } from '../../src/models/deepseek/config.js';
import { modelLayout } from '../../src/models/deepseek/layout.js';
import { buildModelGraph } from '../../src/models/deepseek/model.js';
import { defaultSettings } from '../../src/models/deepseek/settings.js';
import { Trace, gatherMatmul } from '../../src/ops/index.js';
import { directoryFiles } from '../../src/io/local-files.js';

const kernelFlops = (graph: Parameters<typeof compile>[0], claimed?: Set<string>) =>
  programStats(compile(graph, claimed ? { claimed } : {})).perKernel.map((k) => [k.kind, k.flops] as const);

describe('programStats flops', () => {
  it.each([
    ['prefill', 5],
    ['decode', 1],
  ] as const)('of a v3-tiny %s step are those of the decomposed program with MLA and MoE claimed', (_, seqLen) => {
    const config = loadModelConfig(directoryFiles('spec/golden/v3-tiny-f32'));
    const graph = buildModelGraph(config, defaultSettings(config), modelLayout(config), { batch: 1, seqLen });
    const claimed = claimableComposites(graph);
    expect([...claimed].sort()).toEqual(['mla_attention', 'moe']);
    const [withClaims, decomposed] = [programStats(compile(graph, { claimed })), programStats(compile(graph))];
    expect(withClaims.kernels).toBeLessThan(decomposed.kernels);
    expect(Math.abs(withClaims.flops / decomposed.flops - 1)).toBeLessThan(0.01);
    for (const k of withClaims.perKernel.filter((k) => k.kind.startsWith('library:'))) expect(k.flops, k.name).toBeGreaterThan(0);
  });

  it('count 2·R·K·N for a gather_matmul', () => {
    const t = new Trace('g');
    const y = gatherMatmul(t.input('x', 'f32', [5, 8]), t.input('w', 'f32', [3, 8, 6]), t.input('ids', 'i32', [5]));
    expect(kernelFlops(t.build({ y }))).toContainEqual(['library:gather_matmul', 2 * 5 * 8 * 6]);
  });
});
