// What the derivative rules of the op entries (OpDef.vjp) share: the rule of ops that pass no gradient, and constants.

import type { GraphBuilder } from '../builder.js';
import { hasArithmetic, isFloat, type DType } from '../dtype.js';
import type { TensorType, Value } from '../graph.js';
import type { VjpRule } from '../op.js';

/** The rule of an op whose operands get no cotangent (comparisons, logic, integer ops, topk's indices). */
export const noGradient: VjpRule = (_, node) => node.inputs.map(() => null);

/** A tensor of type `t` with every element `value` (exactly representable in t's dtype). */
export const filled = (b: GraphBuilder, value: number, t: TensorType): Value => b.op('full', [], { dtype: t.dtype, shape: [...t.shape], value });

/** The dtypes gradients flow through: the floats with arithmetic (fp8 formats only store, integers count). */
export const isDifferentiable = (d: DType): boolean => isFloat(d) && hasArithmetic(d);
