// Activations: sigmoid, silu, and the SwiGLU gate used by DeepSeek's MLPs and experts.

import { add, div, exp, mul, neg } from '../ops/arith.js';
import { compose } from '../ops/tensor.js';
import { composite } from './define.js';

/** 1 / (1 + e^-x). */
export const SIGMOID = composite('sigmoid', {
  attrs: {},
  operands: ['x'],
  results: ['y'],
  decompose: ([x]) => [div(1, add(exp(neg(x!)), 1))],
});

/** x · sigmoid(x). */
export const SILU = composite('silu', {
  attrs: {},
  operands: ['x'],
  results: ['y'],
  decompose: ([x]) => [mul(x!, compose(x!, SIGMOID, [x!], {})[0]!)],
});

/** silu(gate) · up. */
export const SWIGLU = composite('swiglu', {
  attrs: {},
  operands: ['gate', 'up'],
  results: ['y'],
  decompose: ([gate, up]) => [mul(compose(gate!, SILU, [gate!], {})[0]!, up!)],
});
