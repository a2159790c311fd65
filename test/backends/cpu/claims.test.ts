// The CPU backend's claimed kernels (src/backends/cpu/claims) against the decomposition run by the op-by-op oracle:
// random small MLA and MoE layers of every variant (fast-check), compared bit for bit — the kernels round exactly
// where the decompositions round — and the golden model cases on the compiled backend with its claims. Weights
// may be bf16 or f16, declared as a model declares them (cast to f32; routed experts stacked narrow), which the
// kernels read as stored and widen block by block.

import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { cpuBackend } from '../../../src/backends/cpu/backend.js';
import type { Program } from '../../../src/compiler/kernel.js';
import { tensorData, weightMap, zeros, type Graph, type TensorData } from '../../../src/ir/index.js';
import { cast, Trace, type Tensor } from '../../../src/ops/index.js';
import { encodeBf16, encodeF16 } from '../../../src/numerics/index.js';
import { mlaAttention, mlaCacheNames, mlaCacheTypes, MLA_ATTENTION, type MlaAttrs } from '../../../src/composites/mla.js';
import { moe, moeWeightNames, type MoeAttrs } from '../../../src/composites/moe.js';
import { Checkpoint } from '../../../src/io/checkpoint.js';
import { loadModel } from '../../../src/models/deepseek/loaded-model.js';
import { buildModelGraph, cacheSpecs } from '../../../src/models/deepseek/model.js';
import { GoldenCase } from '../../../src/models/deepseek/verify/golden-case.js';
import { verifyRun } from '../../../src/models/deepseek/verify/run-case.js';
import { directoryFiles } from '../../../src/io/local-files.js';

const claimed = cpuBackend();
const unclaimed = cpuBackend({ claims: false });
const oracle = cpuBackend({ mode: 'reference' });
afterAll(() => [claimed, unclaimed, oracle].forEach((b) => b.dispose()));

function randoms(seed: number, n: number, scale: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 2 * scale;
  });
}

type Params<A> = A extends fc.Arbitrary<infer P> ? P : never;
/** A case's parameters with any number allowed where the arbitrary draws from a few. */
type AnyNumbers<T> = { [K in keyof T]: T[K] extends number ? number : T[K] };

const numel = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/** A composite under test: its graph inputs (values), and operands given as graph weights or as inputs. */
interface Case {
  readonly graph: Graph;
  readonly inputs: Record<string, TensorData>;
  readonly weights: Record<string, TensorData>;
}

type WeightDType = 'f32' | 'bf16' | 'f16';

/**
 * Declares each tensor of `named` as a weight (constant: packed once by the kernels) or as a run input. Weights of
 * a narrow `dtype` are stored rounded to it and widened in the graph, except stacked experts (rank 3), which
 * gather_matmul takes narrow.
 */
function declare(
  t: Trace,
  named: Record<string, TensorData>,
  asWeights: boolean,
  inputs: Record<string, TensorData>,
  weights: Record<string, TensorData>,
  dtype: WeightDType = 'f32',
): Record<string, Tensor> {
  return Object.fromEntries(
    Object.entries(named).map(([n, v]) => {
      if (!asWeights) {
        inputs[n] = v;
        return [n, t.input(n, 'f32', v.shape)];
      }
      if (dtype === 'f32') {
        weights[n] = v;
        return [n, t.weight(n, 'f32', v.shape)];
      }
      weights[n] = tensorData(dtype, v.shape, (dtype === 'bf16' ? encodeBf16 : encodeF16)(v.data as Float32Array));
      const w = t.weight(n, dtype, v.shape);
      return [n, v.shape.length === 3 ? w : cast(w, 'f32')];
    }),
  );
}

async function run(backend: ReturnType<typeof cpuBackend>, c: Case): Promise<{ outputs: Record<string, TensorData>; program: Program | undefined }> {
  const exe = await backend.compile(c.graph, weightMap(c.weights));
  const { outputs } = await exe.run(c.inputs);
  return { outputs, program: (exe as { program?: Program }).program };
}

const libraryOps = (p: Program | undefined) => (p?.kernels ?? []).flatMap((k) => (k.body.kind === 'library' ? [k.body.op] : []));

/** Every output equal to the oracle's bit for bit (NaN as NaN), and the composite run by its claimed kernel. */
async function expectClaimMatchesOracle(c: Case, composite: string): Promise<void> {
  const [got, want] = [await run(claimed, c), await run(oracle, c)];
  expect(libraryOps(got.program)).toContain(composite);
  for (const [name, w] of Object.entries(want.outputs)) {
    const g = got.outputs[name]!;
    expect(g.shape, name).toEqual(w.shape);
    const differs = Array.from(w.data as ArrayLike<number>).findIndex((v, i) => !Object.is(v, g.data[i]) && !(Number.isNaN(v) && Number.isNaN(g.data[i] as number)));
    expect(differs < 0 ? 'equal' : `${name}[${differs}]: ${g.data[differs]} vs ${w.data[differs]}`).toBe('equal');
  }
}

const mlaArb = fc.record({
  B: fc.integer({ min: 1, max: 2 }),
  S: fc.integer({ min: 1, max: 20 }),
  extra: fc.integer({ min: 0, max: 5 }),
  H: fc.integer({ min: 1, max: 3 }),
  N: fc.integer({ min: 1, max: 4 }),
  R: fc.constantFrom(2, 4),
  V: fc.integer({ min: 1, max: 4 }),
  L: fc.integer({ min: 2, max: 6 }),
  D: fc.integer({ min: 2, max: 6 }),
  qLora: fc.constantFrom(0, 3),
  attention: fc.constantFrom('absorb' as const, 'naive' as const),
  // Past the cache end (the write clamps, the mask does not) and before it (row 0 sees nothing: NaN rows).
  startShift: fc.integer({ min: -1, max: 2 }),
  asWeights: fc.boolean(),
  weightDtype: fc.constantFrom<WeightDType>('f32', 'bf16', 'f16'),
  seed: fc.integer(),
});

function mlaCase(r: AnyNumbers<Params<typeof mlaArb>>): Case {
  const T = r.S + r.extra;
  const a: MlaAttrs = {
  heads: r.H, qk_nope: r.N, qk_rope: r.R, v_head: r.V, kv_lora: r.L, q_lora: r.qLora, attention: r.attention, softmax_scale: 0.37, eps: 1e-6,
  };
  const shapes: Record<string, number[]> = {
  wq: [r.H * (r.N + r.R), r.D], wq_a: [r.qLora, r.D], q_norm: [r.qLora], wq_b: [r.H * (r.N + r.R), r.qLora],
  wkv_a: [r.L + r.R, r.D], kv_norm: [r.L], wkv_b: [r.H * (r.N + r.V), r.L], wo: [r.D, r.H * r.V],
  };
  const tensor = (shape: readonly number[], seed: number, scale = 1) => tensorData('f32', shape, randoms(seed, numel(shape), scale));
  const t = new Trace('mla_claim');
  const inputs: Record<string, TensorData> = {};
  const weights: Record<string, TensorData> = {};
  const x = t.input('x', 'f32', [r.B, r.S, r.D]);
  const cos = t.input('cos', 'f32', [r.S, r.R / 2]);
  const sin = t.input('sin', 'f32', [r.S, r.R / 2]);
  const startPos = t.input('start_pos', 'i32', []);
  Object.assign(inputs, {
  x: tensor([r.B, r.S, r.D], r.seed),
  cos: tensor([r.S, r.R / 2], r.seed + 1),
  sin: tensor([r.S, r.R / 2], r.seed + 2),
  start_pos: tensorData('i32', [], Int32Array.of(r.startShift < 0 ? -1 : r.extra + r.startShift - 1)),
  });
  const cacheTypes = mlaCacheTypes(a, r.B, T);
  const caches = mlaCacheNames(a.attention).map((n, i) => {
  inputs[n] = tensor(cacheTypes[n]!, r.seed + 3 + i);
  return t.input(n, 'f32', cacheTypes[n]!);
  });
  const weightNames = MLA_ATTENTION.operands(a).slice(6);
  const named = Object.fromEntries(weightNames.map((n, i) => [n, tensor(shapes[n]!, r.seed + 10 + i, 0.5)]));
  const w = declare(t, named, r.asWeights, inputs, weights, r.weightDtype);
  const [out, cacheA, cacheB] = mlaAttention(x, cos, sin, startPos, [caches[0]!, caches[1]!], w, a);
  return { graph: t.build({ out: out!, cache_a: cacheA!, cache_b: cacheB! }), inputs, weights };
}

const moeArb = fc.record({
  T: fc.integer({ min: 1, max: 40 }),
  D: fc.constantFrom(4, 8),
  I: fc.constantFrom(2, 4),
  SI: fc.constantFrom(2, 6),
  E: fc.constantFrom(4, 8),
  groups: fc.constantFrom(1, 2, 4),
  k: fc.integer({ min: 1, max: 4 }),
  scoring: fc.constantFrom('sigmoid' as const, 'softmax' as const),
  bias: fc.boolean(),
  shared: fc.boolean(),
  asWeights: fc.boolean(),
  weightDtype: fc.constantFrom<WeightDType>('f32', 'bf16', 'f16'),
  seed: fc.integer(),
});

function moeCase(r: AnyNumbers<Params<typeof moeArb>>): Case {
  // Config rules: a biased group is scored by its top 2 experts, and the kept groups must hold k experts.
  const groups = r.bias && r.E / r.groups < 2 ? r.groups / 2 : r.groups;
  const topkGroups = groups === 1 ? 1 : Math.ceil((r.k * groups) / r.E);
  const a: MoeAttrs = { topk: r.k, groups, topk_groups: topkGroups, scoring: r.scoring, route_scale: 2.5, router_bias: r.bias, shared: r.shared };
  const shapes: Record<string, number[]> = {
  router: [r.E, r.D], router_bias: [r.E], experts_gate: [r.E, r.D, r.I], experts_up: [r.E, r.D, r.I], experts_down: [r.E, r.I, r.D],
  'shared.gate': [r.SI, r.D], 'shared.up': [r.SI, r.D], 'shared.down': [r.D, r.SI],
  };
  const t = new Trace('moe_claim');
  const inputs: Record<string, TensorData> = { x: tensorData('f32', [r.T, r.D], randoms(r.seed, r.T * r.D, 1)) };
  const weights: Record<string, TensorData> = {};
  const x = t.input('x', 'f32', [r.T, r.D]);
  const named = Object.fromEntries(moeWeightNames(a).map((n, i) => [n, tensorData('f32', shapes[n]!, randoms(r.seed + 1 + i, numel(shapes[n]!), n === 'router_bias' ? 0.25 : 1))]));
  const y = moe(x, declare(t, named, r.asWeights, inputs, weights, r.weightDtype), a);
  return { graph: t.build({ y: y.y, indices: y.indices, weights: y.weights }), inputs, weights };
}

describe('claimed mla_attention kernel', () => {
  it('equals the decomposition bit for bit (absorb/naive, q-LoRA on/off, any start_pos, caches written in place)', async () => {
  await fc.assert(fc.asyncProperty(mlaArb, (r) => expectClaimMatchesOracle(mlaCase(r), 'mla_attention')), { numRuns: 60 });
  });
});

describe('claimed moe kernel', () => {
  it('equals the decomposition bit for bit (routing indices, weights and output)', async () => {
    await fc.assert(fc.asyncProperty(moeArb, (r) => expectClaimMatchesOracle(moeCase(r), 'moe')), { numRuns: 60 });
  });
});

describe('claimed kernels over narrow weights', () => {
  // Past 64 columns, so that a narrow linear weight is widened in several column blocks.
  it('equal the decomposition bit for bit with bf16 and f16 weights wider than one widening block', async () => {
    for (const weightDtype of ['bf16', 'f16'] as const) {
      for (const attention of ['absorb', 'naive'] as const) {
        const r = { B: 1, S: 3, extra: 2, H: 3, N: 20, R: 4, V: 24, L: 70, D: 66, qLora: 68, attention, startShift: 0, asWeights: true, weightDtype, seed: 5 };
        await expectClaimMatchesOracle(mlaCase(r), 'mla_attention');
      }
      const r = { T: 9, D: 72, I: 66, SI: 70, E: 8, groups: 2, k: 3, scoring: 'sigmoid' as const, bias: true, shared: true, asWeights: true, weightDtype, seed: 7 };
      await expectClaimMatchesOracle(moeCase(r), 'moe');
    }
  });
});

describe('claims option', () => {
  it('claims: false decomposes the composites', async () => {
    const c = moeCase(fc.sample(moeArb, { numRuns: 1, seed: 3 })[0]!);
    expect(libraryOps((await run(unclaimed, c)).program)).not.toContain('moe');
    expect(libraryOps((await run(claimed, c)).program)).toContain('moe');
  });
});

describe('claimed moe kernel and lazily read experts', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reads from the checkpoint only the experts some token selected', async () => {
    const read = vi.spyOn(Checkpoint.prototype, 'read');
    const model = loadModel(directoryFiles('spec/golden/v3-tiny-f32'));
    const { config, settings, weights } = model;
    const prompt = [4, 486, 292, 467, 359];
    const graph = buildModelGraph(config, settings, weights.layout, { batch: 1, seqLen: prompt.length });
    const exe = await claimed.compile(graph, weights);
    const caches = Object.fromEntries(cacheSpecs(config, settings, 1).map((c) => [c.name, zeros('f32', c.shape)]));
    const { outputs } = await exe.run({ tokens: tensorData('i32', [1, prompt.length], Int32Array.from(prompt)), start_pos: tensorData('i32', [], Int32Array.of(0)), ...caches });
    weights.close();
    expect(libraryOps((exe as { program?: Program }).program)).toContain('moe');
    const selected = new Set<string>();
    for (const [name, t] of Object.entries(outputs)) {
      const layer = /^gate\.(\d+)\.indices$/.exec(name)?.[1];
      if (layer !== undefined) for (const e of t.data) selected.add(`${layer}.${e}`);
    }
    const expert = /^model\.layers\.(\d+)\.mlp\.experts\.(\d+)\.(gate|up|down)_proj\.weight$/;
    const expertReads = read.mock.calls.map(([name]) => name).filter((name) => expert.test(name));
    expect(new Set(expertReads.map((name) => expert.exec(name)!.slice(1, 3).join('.')))).toEqual(selected);
    expect(expertReads).toHaveLength(3 * selected.size);
  });
});

describe('golden cases on the compiled CPU backend with claims', () => {
  for (const name of ['v3-tiny-f32', 'v2lite-tiny-f32', 'v3-tiny-mtp', 'v3-fp8-tiny']) {
    const golden = GoldenCase.open(directoryFiles(`spec/golden/${name}`));
    afterAll(() => golden.close());
    for (const goldenRun of golden.runs().runs) {
      it(`${name} ${goldenRun.name} (${goldenRun.attention})`, async () => {
        const results = await verifyRun(golden, goldenRun, claimed);
        expect(results.length).toBeGreaterThan(0);
        expect(results.filter((c) => !c.pass)).toEqual([]);
      });
    }
  }
});
