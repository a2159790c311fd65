// The moe composite against a float64 transcription of the official Gate.forward and MoE loop, on random small
// layers (fast-check), and a structural check that the routed experts are only ever applied row by row.

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { tensorData, walkNodes, weightMap, type TensorData } from '../../src/ir/index.js';
import { Trace } from '../../src/ops/index.js';
import { moe, moeWeightNames, type MoeAttrs } from '../../src/composites/moe.js';
import { compareGateWeights, compareIndices } from '../../src/models/deepseek/verify/compare.js';

const backend = cpuBackend({ mode: 'reference' });
afterAll(() => backend.dispose());

interface Layer {
  readonly a: MoeAttrs;
  readonly T: number;
  readonly D: number;
  readonly I: number;
  readonly E: number;
  /** Weight name -> [shape, values]. */
  readonly tensors: Record<string, { shape: number[]; data: Float32Array }>;
  readonly x: Float32Array;
}

function randoms(seed: number, n: number, scale: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 2 * scale;
  });
}

const layerArb = fc
  .record({
    T: fc.integer({ min: 1, max: 6 }),
    D: fc.constantFrom(4, 8),
    I: fc.constantFrom(2, 4),
    E: fc.constantFrom(4, 8),
    groups: fc.constantFrom(1, 2, 4),
    k: fc.integer({ min: 1, max: 4 }),
    scoring: fc.constantFrom('sigmoid' as const, 'softmax' as const),
    bias: fc.boolean(),
    shared: fc.boolean(),
    seed: fc.integer(),
  })
  .map((r): Layer => {
    // Config rules: a biased group is scored by its top 2 experts, and the kept groups must hold k experts.
    const groups = r.bias && r.E / r.groups < 2 ? r.groups / 2 : r.groups;
    const topkGroups = groups === 1 ? 1 : Math.ceil((r.k * groups) / r.E);
    const a: MoeAttrs = { topk: r.k, groups, topk_groups: topkGroups, scoring: r.scoring, route_scale: 2.5, router_bias: r.bias, shared: r.shared };
    const shapes: Record<string, number[]> = {
      router: [r.E, r.D],
      router_bias: [r.E],
      experts_gate: [r.E, r.D, r.I],
      experts_up: [r.E, r.D, r.I],
      experts_down: [r.E, r.I, r.D],
      'shared.gate': [r.I, r.D],
      'shared.up': [r.I, r.D],
      'shared.down': [r.D, r.I],
    };
    const tensors = Object.fromEntries(
      moeWeightNames(a).map((n, i) => [n, { shape: shapes[n]!, data: randoms(r.seed + i, shapes[n]!.reduce((p, d) => p * d, 1), n === 'router_bias' ? 0.25 : 1) }]),
    );
    return { a, T: r.T, D: r.D, I: r.I, E: r.E, tensors, x: randoms(r.seed - 1, r.T * r.D, 1) };
  });

/** The official algorithm in float64. */
function reference(l: Layer): { y: Float64Array; indices: Int32Array; weights: Float64Array } {
  const { a, T, D, I, E, tensors: w, x } = l;
  const k = a.topk;
  const y = new Float64Array(T * D);
  const indices = new Int32Array(T * k);
  const weights = new Float64Array(T * k);
  const silu = (v: number) => v / (1 + Math.exp(-v));
  const mlpOut = (row: number[], gate: (i: number, d: number) => number, up: (i: number, d: number) => number, down: (d: number, i: number) => number) => {
    const h = Array.from({ length: I }, (_, i) => {
      let g = 0, u = 0;
      for (let d = 0; d < D; d++) [g, u] = [g + row[d]! * gate(i, d), u + row[d]! * up(i, d)];
      return silu(g) * u;
    });
    return Array.from({ length: D }, (_, d) => h.reduce((s, hi, i) => s + hi * down(d, i), 0));
  };
  for (let t = 0; t < T; t++) {
    const row = Array.from(x.subarray(t * D, (t + 1) * D));
    const logits = Array.from({ length: E }, (_, e) => row.reduce((s, v, d) => s + v * w.router!.data[e * D + d]!, 0));
    const mx = Math.max(...logits);
    const z = logits.reduce((s, v) => s + Math.exp(v - mx), 0);
    const scores = logits.map((v) => (a.scoring === 'sigmoid' ? 1 / (1 + Math.exp(-v)) : Math.exp(v - mx) / z));
    let sel = scores.map((s, e) => s + (a.router_bias ? w.router_bias!.data[e]! : 0));
    if (a.groups > 1) {
      const size = E / a.groups;
      const groupScore = Array.from({ length: a.groups }, (_, g) => {
        const members = sel.slice(g * size, (g + 1) * size).sort((p, q) => q - p);
        return a.router_bias ? members[0]! + members[1]! : members[0]!;
      });
      const kept = new Set([...groupScore.keys()].sort((p, q) => groupScore[q]! - groupScore[p]!).slice(0, a.topk_groups));
      sel = sel.map((s, e) => (kept.has(Math.floor(e / size)) ? s : -Infinity));
    }
    const chosen = [...sel.keys()].sort((p, q) => sel[q]! - sel[p]!).slice(0, k);
    const total = chosen.reduce((s, e) => s + scores[e]!, 0);
    chosen.forEach((e, j) => {
      indices[t * k + j] = e;
      weights[t * k + j] = (a.scoring === 'sigmoid' ? scores[e]! / total : scores[e]!) * a.route_scale;
      const o = mlpOut(row, (i, d) => w.experts_gate!.data[(e * D + d) * I + i]!, (i, d) => w.experts_up!.data[(e * D + d) * I + i]!, (d, i) => w.experts_down!.data[(e * I + i) * D + d]!);
      o.forEach((v, d) => (y[t * D + d] += weights[t * k + j]! * v));
    });
    if (a.shared) {
      const o = mlpOut(row, (i, d) => w['shared.gate']!.data[i * D + d]!, (i, d) => w['shared.up']!.data[i * D + d]!, (d, i) => w['shared.down']!.data[d * I + i]!);
      o.forEach((v, d) => (y[t * D + d] += v));
    }
  }
  return { y, indices, weights };
}

function moeGraph(l: Layer) {
  const t = new Trace('moe_test');
  const x = t.input('x', 'f32', [l.T, l.D]);
  const named = Object.fromEntries(Object.entries(l.tensors).map(([n, v]) => [n, t.weight(n, 'f32', v.shape)]));
  const r = moe(x, named, l.a);
  return t.build({ y: r.y, indices: r.indices, weights: r.weights });
}

async function runMoe(l: Layer): Promise<Record<string, TensorData>> {
  const weights = weightMap(Object.fromEntries(Object.entries(l.tensors).map(([n, v]) => [n, tensorData('f32', v.shape, v.data)])));
  const exe = await backend.compile(moeGraph(l), weights);
  return (await exe.run({ x: tensorData('f32', [l.T, l.D], l.x) })).outputs;
}

describe('moe composite', () => {
  it('matches the official routing and expert loop (float64 reference)', async () => {
    await fc.assert(
      fc.asyncProperty(layerArb, async (l) => {
        const got = await runMoe(l);
        const want = reference(l);
        const k = l.a.topk;
        const asTensor = (d: Float64Array | Int32Array, dtype: 'f32' | 'i32') =>
          tensorData(dtype, [l.T, k], dtype === 'i32' ? (d as Int32Array) : Float32Array.from(d));
        expect(compareIndices('indices', got.indices!, asTensor(want.indices, 'i32')).pass).toBe(true);
        expect(compareGateWeights('weights', got.weights!, got.indices!, asTensor(want.weights, 'f32'), asTensor(want.indices, 'i32')).pass).toBe(true);
        got.y!.data.forEach((v, i) => expect(Math.abs(v - want.y[i]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want.y[i]!))));
      }),
    );
  });

  it('applies routed experts only through gather_matmul (no dense all-experts path)', () => {
    const l = fc.sample(layerArb, { numRuns: 1, seed: 7 })[0]!;
    const node = moeGraph(l).nodes.find((n) => n.op === 'moe')!;
    const body = node.body!;
    for (const name of ['experts_gate', 'experts_up', 'experts_down']) {
      const input = body.inputs.find((v) => v.def.kind === 'input' && v.def.name === name)!;
      const users = [...walkNodes(body)].filter((n) => n.inputs.includes(input));
      expect(users.map((n) => n.op)).toEqual(['gather_matmul']);
    }
  });
});
