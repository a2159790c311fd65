// Rotary position embedding on interleaved pairs (a composite, src/composites/rope.ts), as DeepSeek's official
// code applies it.

import { ROPE } from '../composites/rope.js';
import { IRError, sameShape } from '../ir/index.js';
import { broadcastTo } from './movement.js';
import { compose, type Tensor } from './tensor.js';
import { typed } from './typed.js';

/** Rotates the last axis of `x` (even length D) by angles whose cos/sin broadcast to x's shape with D/2 last. */
export const rope = typed('rope', {
  'Tensor, Tensor, Tensor': (x: Tensor, cos: Tensor, sin: Tensor): Tensor => {
    const d = x.shape[x.rank - 1]!;
    if (x.rank === 0 || d % 2 !== 0) throw new IRError(`rope: the last axis of ${x} must have even length`);
    if (!sameShape(cos.shape, sin.shape)) throw new IRError(`rope: cos ${cos} and sin ${sin} must have the same shape`);
    const half = [...x.shape.slice(0, -1), d / 2];
    return compose(x, ROPE, [x, broadcastTo(cos, half), broadcastTo(sin, half)], {})[0]!;
  },
});
