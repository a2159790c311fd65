// The auxiliary-loss-free balancing of DeepSeek-V3 (spec/techniques.md §Training): after the optimizer step, each
// MoE layer's e_score_correction_bias moves by γ towards balance, from that layer's own expert counts over the batch:
//   c_i = tokens routed to expert i;  b_i ← f32(b_i + f32(γ) · sign(mean(c) - c_i)),  sign(0) = 0,
// the sign taken exactly in integers as sign(Σc - E·c_i). MaxVio_batch = (max c - mean c) / mean c measures the
// imbalance the update corrects.

/** How many of the K choices per token in `indices` ([tokens, K], row-major) went to each of `experts` experts. */
export function expertCounts(indices: ArrayLike<number>, experts: number): number[] {
  const counts = new Array<number>(experts).fill(0);
  for (let i = 0; i < indices.length; i++) {
    const e = indices[i]!;
    if (!Number.isInteger(e) || e < 0 || e >= experts) throw new RangeError(`expertCounts: index ${e} at ${i} is not an expert in [0, ${experts})`);
    counts[e]!++;
  }
  return counts;
}

/** The updated bias (a new array): each b_i moved by f32(γ) against its expert's excess load. */
export function updateRouterBias(bias: Float32Array, counts: readonly number[], gamma: number): Float32Array {
  if (counts.length !== bias.length) throw new RangeError(`updateRouterBias: ${counts.length} expert counts for a bias of ${bias.length} experts`);
  if (!(gamma >= 0) || !Number.isFinite(gamma)) throw new RangeError(`updateRouterBias: gamma must be a finite number >= 0, got ${gamma}`);
  const total = counts.reduce((a, c) => a + c, 0);
  const step = Math.fround(gamma);
  return bias.map((b, i) => b + step * Math.sign(total - counts.length * counts[i]!));
}

/** MaxVio_batch = (max c - mean c) / mean c; 0 when no token was routed. */
export function maxViolation(counts: readonly number[]): number {
  const total = counts.reduce((a, c) => a + c, 0);
  if (total === 0) return 0;
  return (counts.length * Math.max(...counts) - total) / total;
}
