// Rotary position embedding on interleaved pairs, as DeepSeek's official code applies it: (x[2i], x[2i+1]) is a
// complex number multiplied by (cos θ_i + i·sin θ_i). Not the half-split layout of Hugging Face's rotate_half.

import { defineComposite, IRError, sameShape } from '../ir/index.js';
import { add, mul, sub } from './arith.js';
import { broadcastTo, concat, reshape, slice } from './movement.js';
import { compose, wrap, type Tensor } from './tensor.js';
import { typed } from './typed.js';

defineComposite({
  name: 'rope',
  operands: ['x', 'cos', 'sin'],
  attrs: {},
  decompose: (b, inputs) => {
    const [x, cos, sin] = wrap(b, inputs);
    const half = cos!.shape;
    const pairs = reshape(x!, [...half, 2]);
    const x0 = reshape(slice(pairs, -1, 0, 1), half);
    const x1 = reshape(slice(pairs, -1, 1, 2), half);
    const y0 = sub(mul(x0, cos!), mul(x1, sin!));
    const y1 = add(mul(x0, sin!), mul(x1, cos!));
    return [reshape(concat([reshape(y0, [...half, 1]), reshape(y1, [...half, 1])], -1), x!.shape).value];
  },
});

/** Rotates the last axis of `x` (even length D) by angles whose cos/sin broadcast to x's shape with D/2 last. */
export const rope: (x: Tensor, cos: Tensor, sin: Tensor) => Tensor = typed('rope', {
  'Tensor, Tensor, Tensor': (x: Tensor, cos: Tensor, sin: Tensor) => {
    const d = x.shape[x.rank - 1]!;
    if (x.rank === 0 || d % 2 !== 0) throw new IRError(`rope: the last axis of ${x} must have even length`);
    if (!sameShape(cos.shape, sin.shape)) throw new IRError(`rope: cos ${cos} and sin ${sin} must have the same shape`);
    const half = [...x.shape.slice(0, -1), d / 2];
    return compose(x, 'rope', [x, broadcastTo(cos, half), broadcastTo(sin, half)])[0]!;
  },
}) as never;
