// softmax and log_softmax over one axis, as composites, with the max subtracted first for range safety.

import { defineComposite } from '../ir/index.js';
import { div, exp, log, sub } from './arith.js';
import { max, sum } from './reduce.js';
import { axisOf } from './movement.js';
import { compose, wrap, type Tensor } from './tensor.js';
import { typed } from './typed.js';

defineComposite({
  name: 'softmax',
  operands: ['x'],
  attrs: { axis: { kind: 'int' } },
  decompose: (b, [x], attrs) => {
    const [t] = wrap(b, [x!]);
    const axis = attrs.axis as number;
    const e = exp(sub(t!, max(t!, axis, true)));
    return [div(e, sum(e, axis, true)).value];
  },
});

defineComposite({
  name: 'log_softmax',
  operands: ['x'],
  attrs: { axis: { kind: 'int' } },
  decompose: (b, [x], attrs) => {
    const [t] = wrap(b, [x!]);
    const axis = attrs.axis as number;
    const shifted = sub(t!, max(t!, axis, true));
    return [sub(shifted, log(sum(exp(shifted), axis, true))).value];
  },
});

function byAxis(name: string, composite: string): (x: Tensor, axis?: number) => Tensor {
  const apply = (x: Tensor, axis: number) => compose(x, composite, [x], { axis: axisOf(x, axis, name) })[0]!;
  return typed(name, { Tensor: (x: Tensor) => apply(x, -1), 'Tensor, number': apply }) as never;
}

export const softmax = byAxis('softmax', 'softmax');
export const logSoftmax = byAxis('logSoftmax', 'log_softmax');
