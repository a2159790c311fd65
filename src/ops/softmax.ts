// softmax and log_softmax over one axis (composites, src/composites/softmax.ts).

import { LOG_SOFTMAX, SOFTMAX } from '../composites/softmax.js';
import { axisOf } from './movement.js';
import { compose, type Tensor } from './tensor.js';
import { typed } from './typed.js';

function byAxis(name: string, composite: typeof SOFTMAX) {
  const apply = (x: Tensor, axis: number): Tensor => compose(x, composite, [x], { axis: axisOf(x, axis, name) })[0]!;
  return typed(name, { Tensor: (x: Tensor) => apply(x, -1), 'Tensor, number': apply });
}

export const softmax = byAxis('softmax', SOFTMAX);
export const logSoftmax = byAxis('logSoftmax', LOG_SOFTMAX);
