// The SwiGLU feed-forward of dense layers and shared experts as the composite `mlp`: down(silu(gate x) · up x).
// Both are Column/RowParallelLinear layers in the official code, so under FP8 GEMMs they never use ue8m0 scales.

import { swiglu } from '../ops/activation.js';
import type { Tensor } from '../ops/tensor.js';
import { composite } from './define.js';
import { callComposite, namedInputs } from './named-operands.js';
import { project, projectionOperands, PROJECTION_ATTRS, type ProjectionAttrs } from './projection.js';

const operands = (a: ProjectionAttrs): string[] => ['x', ...projectionOperands(['gate', 'up', 'down'], a)];

export const MLP = composite('mlp', {
  attrs: PROJECTION_ATTRS,
  operands,
  results: ['y'],
  decompose: (inputs, a) => {
    const w = namedInputs(inputs, operands(a));
    const x = w.x!;
    return [project(swiglu(project(x, w, 'gate', 'parallel', a), project(x, w, 'up', 'parallel', a)), w, 'down', 'parallel', a)];
  },
});

/** x [..., D] -> [..., D]; `w` holds gate, up and down (and their scales under FP8 GEMMs). */
export function mlp(x: Tensor, w: Readonly<Record<string, Tensor>>, a: ProjectionAttrs): Tensor {
  return callComposite(MLP, { x, ...w }, a)[0]!;
}
