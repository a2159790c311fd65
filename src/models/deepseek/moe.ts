// The DeepSeekMoE feed-forward as the composite `moe`: x [T, D] -> (y [T, D], expert indices [T, k] i32,
// routing weights [T, k]). Routing is router.ts. Dispatch runs only the selected experts, with no dense
// all-experts fallback: the T·k (token, expert) pairs are sorted by expert (topk of the negated ids with
// k = T·k is a stable ascending argsort), the token rows are gathered, gather_matmul applies each row's expert
// (gate, up, SwiGLU, down), rows are weighted and scatter-added back per token. scatter_add adds in row order,
// so each token sums its experts in expert-id order starting from zero, as the official `for i in range(E)`
// loop does; the shared experts' MLP is added last. Under FP8 GEMMs the gathered rows are act-quantised row by
// row, which is what each official expert does to its own rows.

import { defineComposite } from '../../ir/index.js';
import { broadcastTo, div, full, mul, neg, reshape, scatterAdd, swiglu, take, topk, add, type Tensor } from '../../ops/index.js';
import type { ModelConfig } from './config.js';
import type { MoeWeights, TensorSlot } from './layout.js';
import { mlp, mlpWeightSlots } from './mlp.js';
import { callComposite, namedInputs, withoutPrefix, withPrefix, type Named } from './operands.js';
import { pickProjectionAttrs, projectionOperands, projectRows, PROJECTION_ATTRS, type ProjectionAttrs } from './projection.js';
import { route, routerAttrs, ROUTER_ATTRS, type RouterAttrs } from './router.js';

export type MoeAttrs = RouterAttrs &
  ProjectionAttrs & {
    /** Whether the layer has shared experts. */
    readonly shared: boolean;
  };

export const MOE_ATTRS = { ...ROUTER_ATTRS, ...PROJECTION_ATTRS, shared: { kind: 'bool' } } as const;

export const moeAttrs = (c: ModelConfig, p: ProjectionAttrs): MoeAttrs => ({ ...routerAttrs(c), ...p, shared: c.nSharedExperts > 0 });

export const moeWeightNames = (a: MoeAttrs): string[] => [
  'router',
  ...(a.router_bias ? ['router_bias'] : []),
  ...projectionOperands(['experts_gate', 'experts_up', 'experts_down'], a),
  ...projectionOperands(a.shared ? ['shared.gate', 'shared.up', 'shared.down'] : [], a),
];

export function moeWeightSlots(w: MoeWeights): Record<string, TensorSlot> {
  return {
    router: w.router,
    ...(w.bias ? { router_bias: w.bias } : {}),
    experts_gate: w.experts.gate,
    experts_up: w.experts.up,
    experts_down: w.experts.down,
    ...(w.shared ? withPrefix(mlpWeightSlots(w.shared), 'shared.') : {}),
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

defineComposite({
  name: 'moe',
  operands: (attrs) => operands(attrs as MoeAttrs),
  attrs: MOE_ATTRS,
  decompose: (b, inputs, attrs) => {
    const a = attrs as MoeAttrs;
    const n = namedInputs(b, inputs, operands(a));
    const { indices, weights } = route(n.x!, n.router!, n.router_bias, a);
    const p = pickProjectionAttrs(a);
    const routed = dispatch(n.x!, indices, weights, n, p);
    const y = a.shared ? add(routed, mlp(n.x!, withoutPrefix(n, 'shared.'), p)) : routed;
    return [y.value, indices.value, weights.value];
  },
});

/** x [T, D] -> { y [T, D], indices [T, k], weights [T, k] }. */
export function moe(x: Tensor, weights: Named, a: MoeAttrs): { y: Tensor; indices: Tensor; weights: Tensor } {
  const [y, indices, w] = callComposite('moe', { x, ...weights }, a);
  return { y: y!, indices: indices!, weights: w! };
}
