// RMSNorm as a composite: x · rsqrt(mean(x², last axis) + eps) · weight (torch.nn.functional.rms_norm).

import { defineComposite, IRError } from '../ir/index.js';
import { add, mul, rsqrt } from './arith.js';
import { mean } from './reduce.js';
import { compose, wrap, type Tensor } from './tensor.js';
import { typed } from './typed.js';

defineComposite({
  name: 'rms_norm',
  operands: ['x', 'weight'],
  attrs: { eps: { kind: 'float' } },
  decompose: (b, inputs, attrs) => {
    const [x, w] = wrap(b, inputs);
    const inv = rsqrt(add(mean(mul(x!, x!), -1, true), attrs.eps as number));
    return [mul(mul(x!, inv), w!).value];
  },
});

export const rmsNorm: (x: Tensor, weight: Tensor, eps: number) => Tensor = typed('rmsNorm', {
  'Tensor, Tensor, number': (x: Tensor, w: Tensor, eps: number) => {
    if (w.rank !== 1 || w.shape[0] !== x.shape[x.rank - 1]) throw new IRError(`rmsNorm: weight ${w} must be [${x.shape[x.rank - 1]}] for input ${x}`);
    if (!(eps >= 0)) throw new RangeError(`rmsNorm: eps must be >= 0, got ${eps}`);
    return compose(x, 'rms_norm', [x, w], { eps })[0]!;
  },
}) as never;
