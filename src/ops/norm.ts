// RMSNorm (a composite, src/composites/norm.ts): x · rsqrt(mean(x², last axis) + eps) · weight.

import { RMS_NORM } from '../composites/norm.js';
import { IRError } from '../ir/index.js';
import { compose, type Tensor } from './tensor.js';
import { typed } from './typed.js';

export const rmsNorm = typed('rmsNorm', {
  'Tensor, Tensor, number': (x: Tensor, w: Tensor, eps: number): Tensor => {
    if (w.rank !== 1 || w.shape[0] !== x.shape[x.rank - 1]) throw new IRError(`rmsNorm: weight ${w} must be [${x.shape[x.rank - 1]}] for input ${x}`);
    if (!(eps >= 0)) throw new RangeError(`rmsNorm: eps must be >= 0, got ${eps}`);
    return compose(x, RMS_NORM, [x, w], { eps })[0]!;
  },
});
