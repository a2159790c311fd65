// Activations: sigmoid, silu, and the SwiGLU gate used by DeepSeek's MLPs and experts.

import { defineComposite } from '../ir/index.js';
import { add, div, exp, mul, neg } from '../ops/arith.js';
import { compose, wrap, type Tensor } from '../ops/tensor.js';

/** 1 / (1 + e^-x). */
export const SIGMOID = defineComposite({
  name: 'sigmoid',
  attrs: {},
  operands: () => ['x'],
  results: () => ['y'],
  decompose: (b, inputs) => {
    const [x] = wrap(b, inputs) as [Tensor];
    return [div(1, add(exp(neg(x)), 1)).value];
  },
});

/** x · sigmoid(x). */
export const SILU = defineComposite({
  name: 'silu',
  attrs: {},
  operands: () => ['x'],
  results: () => ['y'],
  decompose: (b, inputs) => {
    const [x] = wrap(b, inputs) as [Tensor];
    return [mul(x, compose(x, SIGMOID, [x], {})[0]!).value];
  },
});

/** silu(gate) · up. */
export const SWIGLU = defineComposite({
  name: 'swiglu',
  attrs: {},
  operands: () => ['gate', 'up'],
  results: () => ['y'],
  decompose: (b, inputs) => {
    const [gate, up] = wrap(b, inputs) as [Tensor, Tensor];
    return [mul(compose(gate, SILU, [gate], {})[0]!, up).value];
  },
});
