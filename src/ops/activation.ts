// Activations (composites, src/composites/activation.ts): sigmoid, silu, and the SwiGLU gate used by DeepSeek's
// MLPs and experts.

import { SIGMOID, SILU, SWIGLU } from '../composites/activation.js';
import { compose, type Tensor } from './tensor.js';
import { typed } from './typed.js';

/** 1 / (1 + e^-x). */
export const sigmoid = typed('sigmoid', { Tensor: (x: Tensor): Tensor => compose(x, SIGMOID, [x], {})[0]! });

/** x · sigmoid(x). */
export const silu = typed('silu', { Tensor: (x: Tensor): Tensor => compose(x, SILU, [x], {})[0]! });

/** silu(gate) · up: the SwiGLU combination `w2(silu(w1 x) * w3 x)` applies between its projections. */
export const swiglu = typed('swiglu', {
  'Tensor, Tensor': (gate: Tensor, up: Tensor): Tensor => compose(gate, SWIGLU, [gate, up], {})[0]!,
});
