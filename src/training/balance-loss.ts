// The complementary sequence-wise balance loss of one MoE layer (DeepSeek-V3 report eq. 17-20; spec/techniques.md
// §Training): for each sequence b of T_l tokens, with E routed experts and K chosen per token,
//   P_i = mean_t s'_{i,t}, s' = s / Σ_j s_j (the router's sigmoid scores before the bias, normalised over all experts);
//   f_i = E/(K·T_l) · #{t : i among token t's K experts}, from the routing actually used (biased, group-limited);
//   L = α · mean_b Σ_i f_i P_i.
// f comes from integer expert indices, so no gradient flows through it; P carries the gradient to the gate.

import { cast, div, full, mean, mul, reshape, scatterAdd, sum, type Tensor } from '../ops/index.js';

export interface BalanceTerms {
  /** [B, E]. */
  readonly f: Tensor;
  /** [B, E]. */
  readonly P: Tensor;
  /** α · mean_b Σ_i f_i P_i, a scalar. */
  readonly loss: Tensor;
}

/** `scores` [B·T_l, E] (before the bias) and `indices` [B·T_l, K] of a layer that routed `batch` sequences; `alpha` f32 []. */
export function sequenceBalance(scores: Tensor, indices: Tensor, batch: number, alpha: Tensor): BalanceTerms {
  const [rows, E] = scores.shape as [number, number];
  const K = indices.shape[1]!;
  if (rows % batch !== 0 || indices.shape[0] !== rows)
    throw new RangeError(`sequenceBalance: scores [${scores.shape}] and indices [${indices.shape}] do not hold ${batch} sequences of equal length`);
  const T = rows / batch;
  const s = reshape(scores, [batch, T, E]);
  const P = mean(div(s, sum(s, -1, true)), 1);
  const chosen = reshape(indices, [batch, T * K]);
  const counts = scatterAdd(full(chosen, 0, [batch, E]), chosen, full(chosen, 1), 1);
  const f = mul(cast(counts, 'f32'), E / (K * T));
  return { f, P, loss: mul(mean(sum(mul(f, P), -1)), alpha) };
}
