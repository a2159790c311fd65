// Gradient graphs (src/autodiff) as conformance cases: each forward graph is differentiated and the whole gradient
// graph — forward results, the backward pass, the gradients — is what every backend runs and is judged on. The
// forward graphs cover every primitive that has a derivative rule, composites that differentiate through their
// decompositions and the composites with rules of their own.

import { grad, type GradTargets } from '../../autodiff/index.js';
import { tensorData, type GraphBuilder, type Shape, type Value } from '../../ir/index.js';
import { crossEntropy } from '../../composites/cross-entropy.js';
import { mlaAttention, mlaCacheTypes, mlaWeightNames, mlaWeightShapes, type MlaAttrs } from '../../composites/mla.js';
import { moe, moeWeightNames, moeWeightShapes, type MoeAttrs } from '../../composites/moe.js';
import { logSoftmax, rmsNorm, silu, softmax, Tensor } from '../../ops/index.js';
import { conformanceCase, type CaseScope, type ConformanceCase } from '../case.js';

/** The case whose graph is the gradient graph of `loss` (a scalar or a tensor: the seed is ones) with respect to `wrt`. */
function gradientCase(name: string, loss: (s: CaseScope) => Value, wrt: GradTargets, options: { quick?: boolean } = {}): ConformanceCase {
  const forward = conformanceCase(name, (s) => ({ loss: loss(s) }), options);
  return { ...forward, graph: grad(forward.graph, ['loss'], wrt) };
}

const op = (s: CaseScope, name: string, inputs: readonly Value[], attrs = {}): Value => s.b.op(name, inputs, attrs);
const total = (s: CaseScope, v: Value): Value => op(s, 'reduce_sum', [v], { axes: v.shape.map((_, i) => i), keepdims: false });
const composite = (s: CaseScope, f: (t: Tensor) => Tensor, v: Value): Value => f(new Tensor(s.b, v)).value;
const indices = (s: CaseScope, name: string, shape: Shape, bound: number): Value =>
  s.input(name, 'i32', shape, tensorData('i32', shape, Int32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => s.rng.int(bound))));
const scalarStart = (b: GraphBuilder, value: number): Value => b.op('full', [], { dtype: 'i32', shape: [], value });

/** Weights `names` of `shapes` as tensors (unit-range data). */
const weightsOf = (s: CaseScope, names: readonly string[], shapes: Readonly<Record<string, readonly number[]>>): Record<string, Tensor> =>
  Object.fromEntries(names.map((n) => [n, new Tensor(s.b, s.weight(n, 'f32', shapes[n]!, 'unit'))]));

/**
 * Group-limited sigmoid routing with a bias. No shared experts: their MLP's gradient is grad_mlp's, and without it
 * lavapipe compiles the gradient graph well within a test's time (the float64 tests cover shared experts).
 */
const MOE_ATTRS: MoeAttrs = { topk: 2, groups: 2, topk_groups: 1, scoring: 'sigmoid', route_scale: 2.5, router_bias: true, shared: false };

/** q_lora 0 keeps the gradient graph within what lavapipe compiles in a test's time (the float64 tests cover q_lora). */
const MLA_ATTRS: MlaAttrs = { heads: 2, qk_nope: 2, qk_rope: 2, v_head: 2, kv_lora: 3, q_lora: 0, attention: 'absorb', softmax_scale: 0.5, eps: 1e-6 };

export const GRADIENT_CASES: readonly ConformanceCase[] = [
  // A two-layer MLP with a cross-entropy loss: matmul, the silu and log_softmax decompositions, gather.
  gradientCase(
    'grad_mlp',
    (s) => {
      const hidden = composite(s, silu, op(s, 'matmul', [s.input('x', 'f32', [4, 8], 'unit'), s.weight('w1', 'f32', [8, 16], 'unit')]));
      const logits = op(s, 'matmul', [hidden, s.weight('w2', 'f32', [16, 6], 'unit')]);
      const picked = op(s, 'gather', [composite(s, (t) => logSoftmax(t, 1), logits), indices(s, 'target', [4, 1], 6)], { axis: 1 });
      return op(s, 'neg', [total(s, picked)]);
    },
    { inputs: ['x'], weights: ['w1', 'w2'] },
    { quick: true },
  ),
  // Attention-like: rms_norm, batched matmuls with a permute, softmax, reduce_max.
  gradientCase(
    'grad_attention',
    (s) => {
      const x = composite(s, (t) => rmsNorm(t, new Tensor(s.b, s.weight('norm', 'f32', [8], 'unit')), 1e-6), s.input('x', 'f32', [2, 3, 8], 'unit'));
      const scores = op(s, 'matmul', [x, op(s, 'permute', [x], { perm: [0, 2, 1] })]);
      const mixed = op(s, 'matmul', [composite(s, (t) => softmax(t, 2), scores), x]);
      const peak = op(s, 'reduce_max', [mixed], { axes: [2], keepdims: true });
      return total(s, op(s, 'mul', [mixed, op(s, 'broadcast', [peak], { shape: [2, 3, 8] })]));
    },
    { inputs: ['x'], weights: ['norm'] },
  ),
  // Indexing: an embedding (take), cumsum, the values topk picks (gather), scatter_add, reduce_min.
  gradientCase(
    'grad_indexing',
    (s) => {
      const e = op(s, 'take', [s.weight('emb', 'f32', [6, 4]), indices(s, 'tokens', [5], 6)], { axis: 0 });
      const c = op(s, 'cumsum', [e], { axis: 0 });
      const top = op(s, 'topk', [c], { k: 2, axis: 1 });
      const scattered = op(s, 'scatter_add', [s.input('base', 'f32', [5, 4]), top, op(s, 'gather', [c, top], { axis: 1 })], { axis: 1 });
      const low = op(s, 'reduce_min', [scattered], { axes: [1], keepdims: false });
      return total(s, op(s, 'mul', [low, low]));
    },
    { inputs: ['base'], weights: ['emb'] },
  ),
  // Movement: strided slice, pad, concat, broadcast, dynamic slices (one start clamped).
  gradientCase(
    'grad_movement',
    (s) => {
      const x = s.input('x', 'f32', [4, 6], 'unit');
      const strided = op(s, 'slice', [x], { starts: [0, 1], ends: [4, 6], steps: [2, 2] });
      const padded = op(s, 'pad', [strided], { lo: [1, 0], hi: [0, 2], value: 0 });
      const rows = op(s, 'reduce_sum', [x], { axes: [1], keepdims: true });
      const both = op(s, 'concat', [padded, op(s, 'broadcast', [op(s, 'slice', [rows], { starts: [0, 0], ends: [3, 1], steps: [1, 1] })], { shape: [3, 5] })], { axis: 0 });
      const window = op(s, 'dynamic_slice', [both, scalarStart(s.b, 2)], { axis: 0, size: 3 });
      const updated = op(s, 'dynamic_update_slice', [both, op(s, 'mul', [window, window]), scalarStart(s.b, 7)], { axis: 0 });
      return total(s, op(s, 'mul', [updated, op(s, 'cos', [updated])]));
    },
    { inputs: ['x'] },
  ),
  // The grouped expert GEMM, and elementwise ops with their own derivatives.
  gradientCase(
    'grad_experts',
    (s) => {
      const y = op(s, 'gather_matmul', [s.input('x', 'f32', [5, 4], 'unit'), s.weight('w', 'f32', [3, 4, 2], 'unit'), indices(s, 'ids', [5], 3)]);
      const a = op(s, 'exp', [op(s, 'sin', [y])]);
      const b = op(s, 'sqrt', [op(s, 'add', [op(s, 'abs', [y]), op(s, 'full', [], { dtype: 'f32', shape: [5, 2], value: 1 })])]);
      const picked = op(s, 'where', [op(s, 'lt', [y, a]), op(s, 'max', [a, b]), op(s, 'div', [a, b])]);
      return total(s, op(s, 'sub', [op(s, 'log', [picked]), op(s, 'recip', [op(s, 'min', [a, b])])]));
    },
    { inputs: ['x'], weights: ['w'] },
  ),
  // The composites with their own rules: cross_entropy (fused softmax − one-hot), moe (recomputed from the saved
  // routing), mla_attention (recomputed), each regions in the gradient graph that a backend may claim.
  gradientCase(
    'grad_cross_entropy',
    (s) => {
      const logits = op(s, 'matmul', [s.input('x', 'f32', [4, 8], 'unit'), s.weight('w', 'f32', [8, 6], 'unit')]);
      return total(s, crossEntropy(new Tensor(s.b, logits), new Tensor(s.b, indices(s, 'target', [4], 6))).value);
    },
    { inputs: ['x'], weights: ['w'] },
  ),
  gradientCase(
    'grad_moe',
    (s) => {
      const x = new Tensor(s.b, s.input('x', 'f32', [3, 4], 'unit'));
      const r = moe(x, weightsOf(s, moeWeightNames(MOE_ATTRS), moeWeightShapes(MOE_ATTRS, 4, 2, 4)), MOE_ATTRS);
      return op(s, 'add', [total(s, op(s, 'mul', [r.y.value, r.y.value])), total(s, op(s, 'mul', [r.weights.value, r.weights.value]))]);
    },
    { inputs: ['x'], weights: moeWeightNames(MOE_ATTRS) },
  ),
  gradientCase(
    'grad_mla',
    (s) => {
      const [batch, chunk, dim, start] = [1, 3, 4, 1];
      const input = (name: string, shape: readonly number[]) => new Tensor(s.b, s.input(name, 'f32', shape, 'unit'));
      const caches = Object.entries(mlaCacheTypes(MLA_ATTRS, batch, start + chunk)).map(([name, shape]) => input(name, shape)) as [Tensor, Tensor];
      const half = [chunk, MLA_ATTRS.qk_rope / 2];
      const weights = weightsOf(s, mlaWeightNames(MLA_ATTRS), mlaWeightShapes(MLA_ATTRS, dim));
      const startPos = new Tensor(s.b, scalarStart(s.b, start));
      const [out, cache] = mlaAttention(input('x', [batch, chunk, dim]), input('cos', half), input('sin', half), startPos, caches, weights, MLA_ATTRS);
      return op(s, 'add', [total(s, op(s, 'mul', [out!.value, out!.value])), total(s, cache!.value)]);
    },
    { inputs: ['x', 'kv_cache'], weights: mlaWeightNames(MLA_ATTRS) },
  ),
  // Narrow floats: a bf16 product whose cotangent is cast back through f32.
  gradientCase(
    'grad_bf16',
    (s) => {
      const y = op(s, 'matmul', [s.input('x', 'bf16', [3, 4], 'unit'), s.weight('w', 'bf16', [4, 5], 'unit')]);
      return total(s, op(s, 'cast', [op(s, 'mul', [y, y])], { dtype: 'f32' }));
    },
    { inputs: ['x'], weights: ['w'] },
  ),
];
