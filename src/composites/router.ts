// Expert selection as the composite `router`, as the official `Gate.forward` does it (spec/techniques.md §Routing;
// quirks 1 and 2 of spec/golden/README.md §Quirks):
//   scores = sigmoid or softmax of the f32 gate logits;
//   selection scores = scores + e_score_correction_bias when the router has one (selection only);
//   with groups: a group scores the sum of its top-2 selection scores with a bias, its max without; all but
//   the best topk_groups groups are masked with -inf;
//   the top-k of the selection scores are the experts, in descending order (torch.topk order);
//   weights = the unbiased scores of those experts, divided by their sum for sigmoid (never for softmax),
//   then times route_scale.
// Operands: x [T, D], the gate weight [E, D] and, with router_bias, the bias [E]. Results: expert indices [T, k]
// (i32) and routing weights [T, k].

import type { AttrsOf } from '../ir/index.js';
import { add, div, greater, mul, where } from '../ops/arith.js';
import { full } from '../ops/creation.js';
import { gather, scatterAdd, topk } from '../ops/indexing.js';
import { linear } from '../ops/linalg.js';
import { broadcastTo, reshape } from '../ops/movement.js';
import { max, sum } from '../ops/reduce.js';
import { sigmoid } from '../ops/activation.js';
import { softmax } from '../ops/softmax.js';
import { compose, type Tensor } from '../ops/tensor.js';
import { composite } from './define.js';
import { namedInputs, pickAttrs } from './named-operands.js';

export const ROUTER_ATTRS = {
  topk: { kind: 'int' },
  /** Expert groups used for group-limited routing; 1 means none. */
  groups: { kind: 'int' },
  topk_groups: { kind: 'int' },
  scoring: { kind: 'enum', values: ['sigmoid', 'softmax'] },
  route_scale: { kind: 'float' },
  router_bias: { kind: 'bool' },
} as const;

export type RouterAttrs = AttrsOf<typeof ROUTER_ATTRS>;

/** Keeps the selection scores [T, E] of each token's best groups and sets the others to -inf. */
function limitToBestGroups(selection: Tensor, a: RouterAttrs): Tensor {
  const [T, E] = selection.shape as [number, number];
  const grouped = reshape(selection, [T, a.groups, E / a.groups]);
  const groupScore = a.router_bias ? sum(gather(grouped, topk(grouped, 2, -1), -1), -1) : max(grouped, -1);
  const best = topk(groupScore, a.topk_groups, -1);
  const hits = scatterAdd(full(best, 0, [T, a.groups]), best, full(best, 1), 1);
  const keep = broadcastTo(reshape(greater(hits, 0), [T, a.groups, 1]), grouped.shape);
  return reshape(where(keep, grouped, -Infinity), [T, E]);
}

/** The scores [T, E] experts are chosen by (before the bias): sigmoid or softmax of the f32 gate logits x·weightᵀ. */
export function routerScores(x: Tensor, weight: Tensor, scoring: RouterAttrs['scoring']): Tensor {
  const logits = linear(x, weight);
  return scoring === 'sigmoid' ? sigmoid(logits) : softmax(logits, -1);
}

const operands = (a: RouterAttrs): string[] => ['x', 'weight', ...(a.router_bias ? ['bias'] : [])];

export const ROUTER = composite('router', {
  attrs: ROUTER_ATTRS,
  operands,
  results: ['indices', 'weights'],
  decompose: (inputs, a) => {
    const n = namedInputs(inputs, operands(a));
    const scores = routerScores(n.x!, n.weight!, a.scoring);
    let selection = n.bias ? add(scores, n.bias) : scores;
    if (a.groups > 1) selection = limitToBestGroups(selection, a);
    const indices = topk(selection, a.topk, -1);
    return [indices, routingWeights(scores, indices, a)];
  },
});

/** The routing weights [T, k] of experts `indices` chosen by `scores` [T, E]: gathered, normalised (sigmoid), scaled. */
export function routingWeights(scores: Tensor, indices: Tensor, a: RouterAttrs): Tensor {
  const chosen = gather(scores, indices, -1);
  return mul(a.scoring === 'sigmoid' ? div(chosen, sum(chosen, -1, true)) : chosen, a.route_scale);
}

/** x [T, D] -> expert indices [T, k] (i32) and routing weights [T, k]; `a` may hold more attributes (a moe's). */
export function route(x: Tensor, weight: Tensor, bias: Tensor | undefined, a: RouterAttrs): { indices: Tensor; weights: Tensor } {
  const [indices, weights] = compose(x, ROUTER, bias ? [x, weight, bias] : [x, weight], pickAttrs(a, ROUTER_ATTRS));
  return { indices: indices!, weights: weights! };
}
