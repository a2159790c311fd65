// The SwiGLU feed-forward of dense layers and shared experts: down(silu(gate x) · up x). Both are
// Column/RowParallelLinear layers in the official code, so under FP8 GEMMs they never use ue8m0 scales.

import { defineComposite } from '../../ir/index.js';
import { swiglu, type Tensor } from '../../ops/index.js';
import type { MlpWeights, TensorSlot } from './layout.js';
import { callComposite, namedInputs } from './operands.js';
import { project, projectionOperands, PROJECTION_ATTRS, type ProjectionAttrs } from './projection.js';

const operands = (a: ProjectionAttrs): string[] => ['x', ...projectionOperands(['gate', 'up', 'down'], a)];

defineComposite({
  name: 'mlp',
  operands: (attrs) => operands(attrs as ProjectionAttrs),
  attrs: PROJECTION_ATTRS,
  decompose: (b, inputs, attrs) => {
    const a = attrs as ProjectionAttrs;
    const w = namedInputs(b, inputs, operands(a));
    const x = w.x!;
    return [project(swiglu(project(x, w, 'gate', 'parallel', a), project(x, w, 'up', 'parallel', a)), w, 'down', 'parallel', a).value];
  },
});

/** The weights of an MLP under its operand names. */
export const mlpWeightSlots = (w: MlpWeights): Record<string, TensorSlot> => ({ gate: w.gate, up: w.up, down: w.down });

/** x [..., D] -> [..., D]; `w` holds gate, up and down (and their scales under FP8 GEMMs). */
export function mlp(x: Tensor, w: Readonly<Record<string, Tensor>>, a: ProjectionAttrs): Tensor {
  return callComposite('mlp', { x, ...w }, a)[0]!;
}
