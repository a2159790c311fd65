// RMSNorm: x · rsqrt(mean(x², last axis) + eps) · weight (torch.nn.functional.rms_norm).

import { add, mul, rsqrt, sub } from '../ops/arith.js';
import { mean, sum } from '../ops/reduce.js';
import type { Tensor } from '../ops/tensor.js';
import { composite } from './define.js';

/** 1 / rms(x) over the last axis, kept as size 1. */
const inverseRms = (x: Tensor, eps: number): Tensor => rsqrt(add(mean(mul(x, x), -1, true), eps));

export const RMS_NORM = composite('rms_norm', {
  attrs: { eps: { kind: 'float' } },
  operands: ['x', 'weight'],
  results: ['y'],
  decompose: ([x, w], { eps }) => [mul(mul(x!, inverseRms(x!, eps)), w!)],
  // Saves nothing: 1/rms is recomputed from x (one reduction). With n = x/rms:
  //   dx = (g·w − n · mean(g·w·n)) / rms;   dweight = Σ over the leading axes of g·n.
  vjp: ({ operands: [x, w], cotangents: [g], active }, { eps }) => {
    const inv = inverseRms(x!, eps);
    const n = mul(x!, inv);
    const gw = mul(g!, w!);
    const gn = mul(g!, n);
    const leading = x!.shape.slice(0, -1).map((_, i) => i);
    return [
      active[0] ? mul(inv, sub(gw, mul(n, mean(mul(gw, n), -1, true)))) : null,
      active[1] ? (leading.length > 0 ? sum(gn, leading) : gn) : null,
    ];
  },
});
