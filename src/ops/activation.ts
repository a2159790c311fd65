// Activations as composites: sigmoid, silu, and the SwiGLU gate used by DeepSeek's MLPs and experts.

import { defineComposite } from '../ir/index.js';
import { add, div, exp, mul, neg } from './arith.js';
import { compose, wrap, type Tensor } from './tensor.js';
import { typed } from './typed.js';

defineComposite({
  name: 'sigmoid',
  operands: ['x'],
  attrs: {},
  decompose: (b, [x]) => {
    const [t] = wrap(b, [x!]);
    return [div(1, add(exp(neg(t!)), 1)).value];
  },
});

defineComposite({
  name: 'silu',
  operands: ['x'],
  attrs: {},
  decompose: (b, [x]) => {
    const [t] = wrap(b, [x!]);
    return [mul(t!, sigmoid(t!)).value];
  },
});

defineComposite({
  name: 'swiglu',
  operands: ['gate', 'up'],
  attrs: {},
  decompose: (b, inputs) => {
    const [gate, up] = wrap(b, inputs);
    return [mul(silu(gate!), up!).value];
  },
});

/** 1 / (1 + e^-x). */
export const sigmoid: (x: Tensor) => Tensor = typed('sigmoid', { Tensor: (x: Tensor) => compose(x, 'sigmoid', [x])[0]! }) as never;

/** x · sigmoid(x). */
export const silu: (x: Tensor) => Tensor = typed('silu', { Tensor: (x: Tensor) => compose(x, 'silu', [x])[0]! }) as never;

/** silu(gate) · up: the SwiGLU combination `w2(silu(w1 x) * w3 x)` applies between its projections. */
export const swiglu: (gate: Tensor, up: Tensor) => Tensor = typed('swiglu', {
  'Tensor, Tensor': (gate: Tensor, up: Tensor) => compose(gate, 'swiglu', [gate, up])[0]!,
}) as never;
