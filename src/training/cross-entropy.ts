// Next-token cross-entropy as a graph: the mean over every (row, position) of -log softmax(logits)[target], as
// torch's F.cross_entropy with reduction "mean" (full vocabulary, no label smoothing, no ignored index).

import { crossEntropy } from '../composites/cross-entropy.js';
import { mean, reshape, slice, type Tensor } from '../ops/index.js';

/**
 * The cross-entropy of logits [B, S, V] at positions i = 0 .. T-1-ahead against tokens [B, T] at i + ahead (a
 * prediction `ahead` tokens on: 1 for the main model, k + 2 for MTP module k), averaged over the B·(T - ahead)
 * predictions that have a target. Positions without one are left out.
 */
export function shiftedCrossEntropy(logits: Tensor, tokens: Tensor, ahead: number): Tensor {
  const [B, S] = logits.shape as [number, number];
  const T = tokens.shape[1]!;
  const n = T - ahead;
  if (!Number.isInteger(ahead) || ahead < 1 || n < 1 || n > S)
    throw new RangeError(`shiftedCrossEntropy: ${T} tokens leave no position to predict ${ahead} ahead from ${S} logits positions`);
  // The composite's own derivative rule keeps no [B, n, V] log-softmax for the backward pass.
  return mean(crossEntropy(slice(logits, 1, 0, n), reshape(slice(tokens, 1, ahead), [B, n])));
}
