// The comparison report shared by dsv3 verify and dsv3 diff: element statistics, the worst element's index, the
// order the model computes tensors in, and the first divergence.

import { describe, expect, it } from 'vitest';
import { compareF32, compareGateWeights, compareIndices, unflatten, type Values } from '../../src/models/deepseek/verify/compare.js';
import { inLayerOrder } from '../../src/models/deepseek/verify/layer-order.js';
import { comparisonTable, firstDivergence, summarize } from '../../src/models/deepseek/verify/report.js';

const values = (shape: number[], data: number[]): Values => ({ shape, data: Float64Array.from(data) });

describe('compareF32', () => {
  it('counts the elements out of tolerance and finds the worst by its index', () => {
    const want = values([2, 3], [1, 2, 3, 4, 5, 6]);
    const got = values([2, 3], [1, 2.5, 3, 4, 5.01, 6]);
    const c = compareF32('t', got, want, { abs: 0.1, rel: 0 });
    expect(c).toMatchObject({ pass: false, failing: 1, count: 6, maxError: 0.5, worst: { index: [0, 1], got: 2.5, expected: 2 } });
    expect(c.relError).toBeCloseTo(0.5 / 6);
  });

  it('measures rel·|b| against the expected value and treats equal non-finite values as equal', () => {
    expect(compareF32('t', values([2], [110, 0]), values([2], [100, 0]), { abs: 0, rel: 0.1 }).pass).toBe(true);
    expect(compareF32('t', values([2], [111, 0]), values([2], [100, 0]), { abs: 0, rel: 0.1 }).pass).toBe(false);
    expect(compareF32('t', values([3], [NaN, Infinity, -Infinity]), values([3], [NaN, Infinity, -Infinity])).pass).toBe(true);
    const nan = compareF32('t', values([2], [1, NaN]), values([2], [1, 2]));
    expect(nan).toMatchObject({ pass: false, maxError: Infinity, failing: 1, worst: { index: [1] } });
    expect(compareF32('t', values([1], [Infinity]), values([1], [-Infinity])).pass).toBe(false);
  });

  it('accepts shapes that differ only by size-1 dimensions and rejects others', () => {
    expect(compareF32('t', values([2, 1, 2], [1, 2, 3, 4]), values([2, 2], [1, 2, 3, 4])).pass).toBe(true);
    const c = compareF32('t', values([4], [1, 2, 3, 4]), values([2, 2], [1, 2, 3, 4]));
    expect(c).toMatchObject({ pass: false, tolerance: 'shape', detail: 'shape [4] vs expected [2,2]' });
  });

  it('unflattens row-major indices', () => {
    expect(unflatten(0, [2, 3, 4])).toEqual([0, 0, 0]);
    expect(unflatten(23, [2, 3, 4])).toEqual([1, 2, 3]);
    expect(unflatten(13, [2, 3, 4])).toEqual([1, 0, 1]);
  });
});

describe('routing comparisons', () => {
  it('match expert sets in any order and weights by expert', () => {
    const wantIdx = values([2, 2], [3, 1, 0, 2]);
    const gotIdx = values([2, 2], [1, 3, 0, 2]);
    const want = values([2, 2], [0.7, 0.3, 0.6, 0.4]);
    expect(compareIndices('i', gotIdx, wantIdx).pass).toBe(true);
    expect(compareGateWeights('w', values([2, 2], [0.3, 0.7, 0.6, 0.4]), gotIdx, want, wantIdx).pass).toBe(true);
    const swapped = compareGateWeights('w', values([2, 2], [0.7, 0.3, 0.6, 0.4]), gotIdx, want, wantIdx);
    expect(swapped).toMatchObject({ pass: false, failing: 2, worst: { index: [0, 0], got: 0.3, expected: 0.7 } });
    const other = compareIndices('i', values([2, 2], [3, 1, 0, 5]), wantIdx);
    expect(other).toMatchObject({ pass: false, failing: 1, count: 2, detail: 'token 1: experts [0,5] vs expected [0,2]' });
    const missing = compareGateWeights('w', want, values([2, 2], [3, 1, 0, 5]), want, wantIdx);
    expect(missing).toMatchObject({ pass: false, detail: 'token 1: expert 2 was not chosen' });
  });
});

describe('layer order', () => {
  const computed = [
    'prefill.embed',
    'prefill.linear.layers.1.attn.wq_a.y',
    'prefill.attn.1',
    'prefill.gate.1.input',
    'prefill.gate.1.scores',
    'prefill.gate.1.indices',
    'prefill.gate.1.weights',
    'prefill.linear.layers.1.ffn.experts.0.w1.y',
    'prefill.ffn.1',
    'prefill.block.1',
    'prefill.attn.10',
    'prefill.block.10',
    'prefill.final_norm',
    'prefill.logits_all',
    'prefill.logits',
    'mtp.0.gate.indices',
    'mtp.0.block',
    'mtp.0.logits',
    'mtp.1.logits',
    'decode.0.embed',
    'decode.0.block.0',
    'decode.2.logits',
    'decode.10.embed',
    'cache.0.kv_cache',
    'cache.1.kv_cache',
  ];

  it('puts a shuffled dump back in the order the model computes it', () => {
    const shuffled = [...computed].sort();
    expect(inLayerOrder(shuffled, (n) => n)).toEqual(computed);
  });

  it('reads names behind a run prefix or label, and keeps unknown names in place after known ones', () => {
    const names = ['replay naive.prefill.block.0', 'naive.prefill.mystery', 'naive.prefill.attn.0', 'naive.cache.0.k_cache', 'naive.prefill.embed'];
    expect(inLayerOrder(names, (n) => n)).toEqual(['naive.prefill.embed', 'naive.prefill.attn.0', 'replay naive.prefill.block.0', 'naive.prefill.mystery', 'naive.cache.0.k_cache']);
  });
});

describe('report', () => {
  const ok = (name: string) => compareF32(name, values([1], [1]), values([1], [1]));
  const bad = (name: string, got: number) => compareF32(name, values([2, 2], [1, 1, 1, got]), values([2, 2], [1, 1, 1, 1]));
  const results = [ok('prefill.logits'), bad('prefill.logits_all', 3), bad('prefill.block.2', 1.5), ok('prefill.embed'), bad('decode.0.attn.0', 2)];

  it('names the first tensor to diverge in layer order, not in the given order', () => {
    expect(firstDivergence(results)?.name).toBe('prefill.block.2');
    expect(summarize(results)).toBe('3 of 5 fail; first divergence: prefill.block.2: 1/4 out of tolerance, max |Δ| 5.00e-1, worst [1,1]: 1.5 vs 1');
    expect(summarize([ok('a'), ok('b')])).toBe('2/2 pass');
  });

  it('prints one aligned line per tensor under a header, in layer order', () => {
    const lines = comparisonTable(results, 'A vs B', '  ');
    expect(lines[0]).toMatch(/^ {2}\s+tensor\s+max \|Δ\|\s+rel\s+out of tol\s+tolerance\s+worst element \(A vs B\)$/);
    expect(lines.slice(1).map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'pass prefill.embed', 'FAIL prefill.block.2', 'FAIL prefill.logits_all', 'pass prefill.logits', 'FAIL decode.0.attn.0',
    ]);
    expect(lines[2]).toMatch(/FAIL {2}prefill\.block\.2 +5\.00e-1 +5\.00e-1 +1\/4 +0\.00002 \+ 0\.00001·\|b\| +\[1,1\]: 1\.5 vs 1$/);
    const columns = lines.map((l) => l.indexOf('max |Δ|') >= 0 ? l.indexOf('max |Δ|') : l.search(/\d\.\d\de[+-]\d/));
    expect(new Set(columns).size).toBe(1);
  });
});
