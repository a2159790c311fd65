// RMSNorm: x · rsqrt(mean(x², last axis) + eps) · weight (torch.nn.functional.rms_norm).

import { defineComposite } from '../ir/index.js';
import { add, mul, rsqrt } from '../ops/arith.js';
import { mean } from '../ops/reduce.js';
import { wrap, type Tensor } from '../ops/tensor.js';

export const RMS_NORM = defineComposite({
  name: 'rms_norm',
  attrs: { eps: { kind: 'float' } },
  operands: () => ['x', 'weight'],
  results: () => ['y'],
  decompose: (b, inputs, { eps }) => {
    const [x, w] = wrap(b, inputs) as [Tensor, Tensor];
    const inv = rsqrt(add(mean(mul(x, x), -1, true), eps));
    return [mul(mul(x, inv), w).value];
  },
});
