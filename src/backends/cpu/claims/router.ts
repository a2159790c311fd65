// Expert selection of the claimed `moe` kernel, step for step as the composite's router (composites/router.ts)
// computes it: sigmoid or softmax scores of the logits; selection scores with the bias added; with groups, all but
// the best `topk_groups` groups (scored by their top-2 sum with a bias, their max without) set to -inf; the top-k
// of the selection scores (the shared topk kernel, so ties and NaN order exactly as the topk op orders them); the
// unbiased scores of those experts, normalised for sigmoid, times route_scale.

import { topk } from '../../reference/kernels/topk.js';
import { fromTensorData } from '../../reference/tensor.js';
import { sigmoid, softmaxRow } from './row-ops.js';
import type { RouterAttrs } from '../../../composites/router.js';

const f = Math.fround;

/** The indices of the `k` largest of each row of `values` [rows, ...shape, width] along its last axis. */
function topkOfRows(values: Float32Array, shape: readonly number[], k: number): Int32Array {
  return topk(fromTensorData({ dtype: 'f32', shape, data: values }), k, shape.length - 1).data as Int32Array;
}

/** Keeps the selection scores [T, E] of each token's best groups and sets the others to -inf. */
function limitToBestGroups(selection: Float32Array, T: number, E: number, a: RouterAttrs): void {
  const G = a.groups;
  const size = E / G;
  const groupScore = new Float32Array(T * G);
  const top2 = a.router_bias ? topkOfRows(selection, [T, G, size], 2) : undefined;
  for (let g = 0; g < T * G; g++) {
    if (top2) {
      // reduce_sum of the two: float64 from zero, one rounding.
      let sum = 0;
      sum += selection[g * size + top2[2 * g]!]!;
      sum += selection[g * size + top2[2 * g + 1]!]!;
      groupScore[g] = f(sum);
    } else {
      let max = -Infinity;
      for (let i = g * size; i < (g + 1) * size; i++) max = Math.max(max, selection[i]!);
      groupScore[g] = max;
    }
  }
  const best = topkOfRows(groupScore, [T, G], a.topk_groups);
  const keep = new Uint8Array(G);
  for (let t = 0; t < T; t++) {
    keep.fill(0);
    for (let j = 0; j < a.topk_groups; j++) keep[best[t * a.topk_groups + j]!] = 1;
    for (let g = 0; g < G; g++) if (!keep[g]) selection.fill(-Infinity, t * E + g * size, t * E + (g + 1) * size);
  }
}

/** Router logits [T, E] (turned into scores in place) -> expert indices [T, k] and routing weights [T, k]. */
export function route(logits: Float32Array, T: number, E: number, a: RouterAttrs, bias: Float32Array | undefined, indices: Int32Array, weights: Float32Array): void {
  const scores = logits;
  if (a.scoring === 'sigmoid') for (let i = 0; i < T * E; i++) scores[i] = sigmoid(scores[i]!);
  else for (let t = 0; t < T; t++) softmaxRow(scores, t * E, E);
  const selection = new Float32Array(T * E);
  for (let i = 0; i < T * E; i++) selection[i] = bias ? f(scores[i]! + bias[i % E]!) : scores[i]!;
  if (a.groups > 1) limitToBestGroups(selection, T, E, a);
  const k = a.topk;
  indices.set(topkOfRows(selection, [T, E], k));
  const scale = f(a.route_scale);
  for (let t = 0; t < T; t++) {
    let sum = 0;
    for (let j = t * k; j < (t + 1) * k; j++) {
      weights[j] = scores[t * E + indices[j]!]!;
      sum += weights[j]!;
    }
    const total = f(sum);
    for (let j = t * k; j < (t + 1) * k; j++) weights[j] = f((a.scoring === 'sigmoid' ? f(weights[j]! / total) : weights[j]!) * scale);
  }
}
