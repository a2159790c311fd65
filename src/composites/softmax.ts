// softmax and log_softmax over one axis, with the max subtracted first for range safety.

import { defineComposite } from '../ir/index.js';
import { div, exp, log, sub } from '../ops/arith.js';
import { max, sum } from '../ops/reduce.js';
import { wrap, type Tensor } from '../ops/tensor.js';

export const SOFTMAX = defineComposite({
  name: 'softmax',
  attrs: { axis: { kind: 'int' } },
  operands: () => ['x'],
  results: () => ['y'],
  decompose: (b, inputs, { axis }) => {
    const [x] = wrap(b, inputs) as [Tensor];
    const e = exp(sub(x, max(x, axis, true)));
    return [div(e, sum(e, axis, true)).value];
  },
});

export const LOG_SOFTMAX = defineComposite({
  name: 'log_softmax',
  attrs: { axis: { kind: 'int' } },
  operands: () => ['x'],
  results: () => ['y'],
  decompose: (b, inputs, { axis }) => {
    const [x] = wrap(b, inputs) as [Tensor];
    const shifted = sub(x, max(x, axis, true));
    return [sub(shifted, log(sum(exp(shifted), axis, true))).value];
  },
});
