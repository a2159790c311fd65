// softmax and log_softmax over one axis, with the max subtracted first for range safety. Their derivative rules
// save the result y (which the forward keeps anyway) and nothing of the decomposition.

import { div, exp, log, mul, sub } from '../ops/arith.js';
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
  // dx = y · (g − Σ g·y).
  vjp: ({ results: [y], cotangents: [g] }, { axis }) => [mul(y!, sub(g!, sum(mul(g!, y!), axis, true)))],
});

export const LOG_SOFTMAX = composite('log_softmax', {
  attrs: { axis: { kind: 'int' } },
  operands: ['x'],
  results: ['y'],
  decompose: ([x], { axis }) => {
    const shifted = sub(x!, max(x!, axis, true));
    return [sub(shifted, log(sum(exp(shifted), axis, true)))];
  },
  // dx = g − exp(y) · Σ g.
  vjp: ({ results: [y], cotangents: [g] }, { axis }) => [sub(g!, mul(exp(y!), sum(g!, axis, true)))],
});
