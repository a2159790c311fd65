// softmax and log_softmax over one axis, with the max subtracted first for range safety.

import { div, exp, log, sub } from '../ops/arith.js';
import { max, sum } from '../ops/reduce.js';
import { composite } from './define.js';

export const SOFTMAX = composite('softmax', {
  attrs: { axis: { kind: 'int' } },
  operands: ['x'],
  results: ['y'],
  decompose: ([x], { axis }) => {
    const e = exp(sub(x!, max(x!, axis, true)));
    return [div(e, sum(e, axis, true))];
  },
});

export const LOG_SOFTMAX = composite('log_softmax', {
  attrs: { axis: { kind: 'int' } },
  operands: ['x'],
  results: ['y'],
  decompose: ([x], { axis }) => {
    const shifted = sub(x!, max(x!, axis, true));
    return [sub(shifted, log(sum(exp(shifted), axis, true)))];
  },
});
