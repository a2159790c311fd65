// RMSNorm: x · rsqrt(mean(x², last axis) + eps) · weight (torch.nn.functional.rms_norm).

import { add, mul, rsqrt } from '../ops/arith.js';
import { mean } from '../ops/reduce.js';
import { composite } from './define.js';

export const RMS_NORM = composite('rms_norm', {
  attrs: { eps: { kind: 'float' } },
  operands: ['x', 'weight'],
  results: ['y'],
  decompose: ([x, w], { eps }) => {
    const inv = rsqrt(add(mean(mul(x!, x!), -1, true), eps));
    return [mul(mul(x!, inv), w!)];
  },
});
