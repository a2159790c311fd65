// Expert selection, as the official `Gate.forward` does it (FACTS §2, golden README quirks 1 and 2):
//   scores = sigmoid or softmax of the f32 gate logits;
//   selection scores = scores + e_score_correction_bias when the router has one (selection only);
//   with groups: a group scores the sum of its top-2 selection scores with a bias, its max without; all but
//   the best topk_groups groups are masked with -inf;
//   the top-k of the selection scores are the experts, in descending order (torch.topk order);
//   weights = the unbiased scores of those experts, divided by their sum for sigmoid (never for softmax),
//   then times route_scale.

import { add, div, full, gather, greater, max, mul, reshape, scatterAdd, sigmoid, softmax, sum, topk, where, linear, broadcastTo, type Tensor } from '../../ops/index.js';
import { hasRouterBias, type ModelConfig, type ScoringFunc } from './config.js';

export type RouterAttrs = {
  readonly topk: number;
  /** Expert groups used for group-limited routing; 1 means none. */
  readonly groups: number;
  readonly topk_groups: number;
  readonly scoring: ScoringFunc;
  readonly route_scale: number;
  readonly router_bias: boolean;
};

export const ROUTER_ATTRS = {
  topk: { kind: 'int' },
  groups: { kind: 'int' },
  topk_groups: { kind: 'int' },
  scoring: { kind: 'enum', values: ['sigmoid', 'softmax'] },
  route_scale: { kind: 'float' },
  router_bias: { kind: 'bool' },
} as const;

/** greedy routing has no group limit, whatever n_group says (as in Hugging Face's DeepSeek-V2). */
export function routerAttrs(c: ModelConfig): RouterAttrs {
  const grouped = c.topkMethod !== 'greedy' && c.nGroup > 1;
  return {
    topk: c.numExpertsPerTok,
    groups: grouped ? c.nGroup : 1,
    topk_groups: grouped ? c.topkGroup : 1,
    scoring: c.scoringFunc,
    route_scale: c.routedScalingFactor,
    router_bias: hasRouterBias(c),
  };
}

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

/** x [T, D] -> expert indices [T, k] (i32) and routing weights [T, k]. */
export function route(x: Tensor, router: Tensor, bias: Tensor | undefined, a: RouterAttrs): { indices: Tensor; weights: Tensor } {
  const logits = linear(x, router);
  const scores = a.scoring === 'sigmoid' ? sigmoid(logits) : softmax(logits, -1);
  let selection = bias ? add(scores, bias) : scores;
  if (a.groups > 1) selection = limitToBestGroups(selection, a);
  const indices = topk(selection, a.topk, -1);
  let weights = gather(scores, indices, -1);
  if (a.scoring === 'sigmoid') weights = div(weights, sum(weights, -1, true));
  return { indices, weights: mul(weights, a.route_scale) };
}
