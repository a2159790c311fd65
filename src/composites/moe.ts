// The DeepSeekMoE feed-forward as the composite `moe`: x [T, D] -> (y [T, D], expert indices [T, k] i32,
// routing weights [T, k]). Routing is the `router` composite. Dispatch runs only the selected experts, with no
// dense all-experts fallback: the T·k (token, expert) pairs are sorted by expert (topk of the negated ids with
// k = T·k is a stable ascending argsort), the token rows are gathered, gather_matmul applies each row's expert
// (gate, up, SwiGLU, down), rows are weighted and scatter-added back per token. scatter_add adds in row order,
// so each token sums its experts in expert-id order starting from zero, as the official `for i in range(E)`
// loop does; the shared experts' MLP is added last. Under FP8 GEMMs the gathered rows are act-quantised row by
// row, which is what each official expert does to its own rows.

import type { AttrsOf } from '../ir/index.js';
import { swiglu } from '../ops/activation.js';
import { add, div, mul, neg } from '../ops/arith.js';
import { full } from '../ops/creation.js';
import { scatterAdd, take, topk } from '../ops/indexing.js';
import { broadcastTo, reshape } from '../ops/movement.js';
import type { Tensor } from '../ops/tensor.js';
import { composite } from './define.js';
import { mlp } from './mlp.js';
import { callComposite, namedInputs, withoutPrefix, type Named } from './named-operands.js';
import { pickProjectionAttrs, projectionOperands, projectRows, PROJECTION_ATTRS, type ProjectionAttrs } from './projection.js';
import { route, routerScores, routingWeights, ROUTER_ATTRS } from './router.js';

export const MOE_ATTRS = {
  ...ROUTER_ATTRS,
  ...PROJECTION_ATTRS,
  /** Whether the layer has shared experts. */
  shared: { kind: 'bool' },
} as const;

export type MoeAttrs = AttrsOf<typeof MOE_ATTRS>;

export const moeWeightNames = (a: MoeAttrs): string[] => [
  'router',
  ...(a.router_bias ? ['router_bias'] : []),
  ...projectionOperands(['experts_gate', 'experts_up', 'experts_down'], a),
  ...projectionOperands(a.shared ? ['shared.gate', 'shared.up', 'shared.down'] : [], a),
];

/** The f32 shape of each weight of moeWeightNames: `experts` routed experts and MLPs of width `hidden` on `dim`. */
export function moeWeightShapes(a: MoeAttrs, dim: number, hidden: number, experts: number): Record<string, readonly number[]> {
  return {
    router: [experts, dim],
    ...(a.router_bias ? { router_bias: [experts] } : {}),
    experts_gate: [experts, dim, hidden],
    experts_up: [experts, dim, hidden],
    experts_down: [experts, hidden, dim],
    ...(a.shared ? { 'shared.gate': [hidden, dim], 'shared.up': [hidden, dim], 'shared.down': [dim, hidden] } : {}),
  };
}

const operands = (a: MoeAttrs): string[] => ['x', ...moeWeightNames(a)];

/** The routed experts' weighted sum per token, expert by expert in id order. */
function dispatch(x: Tensor, indices: Tensor, weights: Tensor, w: Named, a: ProjectionAttrs): Tensor {
  const [T, D] = x.shape as [number, number];
  const k = indices.shape[1]!;
  const pairs = T * k;
  const experts = reshape(indices, [pairs]);
  const order = topk(neg(experts), pairs, 0);
  const expertOf = take(experts, order, 0);
  const tokenOf = div(order, k);
  const rows = take(x, tokenOf, 0);
  const hidden = swiglu(projectRows(rows, w, 'experts_gate', expertOf, a), projectRows(rows, w, 'experts_up', expertOf, a));
  const out = mul(projectRows(hidden, w, 'experts_down', expertOf, a), reshape(take(reshape(weights, [pairs]), order, 0), [pairs, 1]));
  return scatterAdd(full(x, 0, [T, D]), broadcastTo(reshape(tokenOf, [pairs, 1]), [pairs, D]), out, 0);
}

export const MOE = composite('moe', {
  attrs: MOE_ATTRS,
  operands,
  results: ['y', 'indices', 'weights'],
  decompose: (inputs, a) => {
    const n = namedInputs(inputs, operands(a));
    const { indices, weights } = route(n.x!, n.router!, n.router_bias, a);
    return [output(n, indices, weights, a), indices, weights];
  },
  // Recomputes the layer in the backward pass from its operands and the routing it saved (indices [T, k], i32):
  // the routing weights are the recomputed scores gathered at those experts, normalised and scaled, so the gate
  // gets its gradient through them, while top-k (and the selection-only bias) passes none. Experts no token
  // reached get zero gradients. Where a backend does not claim `moe`, CSE merges the recomputation into the
  // forward's decomposition, so nothing runs twice.
  vjp: ({ operands: inputs, results: [, savedIndices], cotangents: [gy, , gWeights], vjpOf }, a) =>
    vjpOf(
      (values) => {
        const n = namedInputs(values, operands(a));
        const weights = routingWeights(routerScores(n.x!, n.router!, a.scoring), values.at(-1)!, a);
        return [output(n, values.at(-1)!, weights, a), weights];
      },
      [...inputs, savedIndices!],
      [gy ?? null, gWeights ?? null],
    ).slice(0, inputs.length),
});

/** The layer's output from its routing: the routed experts' weighted sum, plus the shared experts' MLP. */
function output(n: Named, indices: Tensor, weights: Tensor, a: MoeAttrs): Tensor {
  const p = pickProjectionAttrs(a);
  const routed = dispatch(n.x!, indices, weights, n, p);
  return a.shared ? add(routed, mlp(n.x!, withoutPrefix(n, 'shared.'), p)) : routed;
}

/** x [T, D] -> { y [T, D], indices [T, k], weights [T, k] }. */
export function moe(x: Tensor, weights: Named, a: MoeAttrs): { y: Tensor; indices: Tensor; weights: Tensor } {
  const [y, indices, w] = callComposite(MOE, { x, ...weights }, a);
  return { y: y!, indices: indices!, weights: w! };
}
