// Rotary position embedding on interleaved pairs, as DeepSeek's official code applies it: (x[2i], x[2i+1]) is a
// complex number multiplied by (cos θ_i + i·sin θ_i). Not the half-split layout of Hugging Face's rotate_half.
// cos and sin come already broadcast to x's shape with the last axis halved.

import { add, mul, sub } from '../ops/arith.js';
import { concat, reshape, slice } from '../ops/movement.js';
import type { Tensor } from '../ops/tensor.js';
import { composite } from './define.js';

export const ROPE = composite('rope', {
  attrs: {},
  operands: ['x', 'cos', 'sin'],
  results: ['y'],
  decompose: (inputs) => {
    const [x, cos, sin] = inputs as [Tensor, Tensor, Tensor];
    const half = cos.shape;
    const pairs = reshape(x, [...half, 2]);
    const x0 = reshape(slice(pairs, -1, 0, 1), half);
    const x1 = reshape(slice(pairs, -1, 1, 2), half);
    const y0 = sub(mul(x0, cos), mul(x1, sin));
    const y1 = add(mul(x0, sin), mul(x1, cos));
    return [reshape(concat([reshape(y0, [...half, 1]), reshape(y1, [...half, 1])], -1), x.shape)];
  },
});
