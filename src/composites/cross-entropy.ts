// Softmax cross-entropy as the composite `cross_entropy`: logits [..., V] (a float) and targets [...] (i32 class
// ids) -> loss [...], −log softmax(logits)[target] at each position (torch's F.cross_entropy, reduction "none").
// Its derivative rule is the fused one, (softmax(logits) − onehot(target)) · g: it saves nothing but the logits
// (an operand) and recomputes the softmax, where differentiating the decomposition keeps a [..., V] log-softmax
// for the backward pass.

import { equal, log, exp, mul, sub } from '../ops/arith.js';
import { cast } from '../ops/cast.js';
import { iota } from '../ops/creation.js';
import { gather } from '../ops/indexing.js';
import { broadcastTo, reshape, unsqueeze } from '../ops/movement.js';
import { max, sum } from '../ops/reduce.js';
import { softmax } from '../ops/softmax.js';
import { compose, type Tensor } from '../ops/tensor.js';
import { IRError } from '../ir/index.js';
import { composite } from './define.js';

export const CROSS_ENTROPY = composite('cross_entropy', {
  attrs: {},
  operands: ['logits', 'targets'],
  results: ['loss'],
  decompose: ([logits, targets]) => {
    const shifted = sub(logits!, max(logits!, -1, true));
    const logSum = log(sum(exp(shifted), -1, true));
    return [reshape(sub(logSum, gather(shifted, unsqueeze(targets!, -1), -1)), targets!.shape)];
  },
  vjp: ({ operands: [logits, targets], cotangents: [g] }) => {
    const last = logits!.rank - 1;
    const hit = equal(iota(targets!, logits!.shape, last), broadcastTo(unsqueeze(targets!, -1), logits!.shape));
    const dLogits = mul(sub(softmax(logits!, -1), cast(hit, logits!.dtype)), broadcastTo(unsqueeze(g!, -1), logits!.shape));
    return [dLogits, null];
  },
});

/** −log softmax(logits)[target] per position: logits [..., V], targets i32 [...] -> [...]. */
export function crossEntropy(logits: Tensor, targets: Tensor): Tensor {
  if (targets.dtype !== 'i32' || logits.rank < 1 || targets.rank !== logits.rank - 1 || targets.shape.some((d, i) => d !== logits.shape[i]))
    throw new IRError(`crossEntropy: targets ${targets} must be i32 with the shape of logits ${logits} less its last axis`);
  return compose(logits, CROSS_ENTROPY, [logits, targets], {})[0]!;
}
