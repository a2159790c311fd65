// The SwiGLU feed-forward of dense layers, shared experts and (row by row) routed experts: down(silu(gate x) · up x).

import { defineComposite } from '../../ir/index.js';
import { linear, swiglu, type Tensor } from '../../ops/index.js';
import type { MlpWeights, TensorSlot } from './layout.js';
import { callComposite, namedInputs } from './operands.js';

const OPERANDS = ['x', 'gate', 'up', 'down'];

defineComposite({
  name: 'mlp',
  operands: OPERANDS,
  attrs: {},
  decompose: (b, inputs) => {
    const { x, gate, up, down } = namedInputs(b, inputs, OPERANDS);
    return [linear(swiglu(linear(x!, gate!), linear(x!, up!)), down!).value];
  },
});

/** The weights of an MLP under its operand names. */
export const mlpWeightSlots = (w: MlpWeights): Record<string, TensorSlot> => ({ gate: w.gate, up: w.up, down: w.down });

/** x [..., D] -> [..., D]; `w` holds gate, up and down. */
export function mlp(x: Tensor, w: Readonly<Record<string, Tensor>>): Tensor {
  return callComposite('mlp', { x, ...w }, {})[0]!;
}
