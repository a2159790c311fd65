// What an op is: one definition per primitive — operands, attributes, type rule, derivative rule.
// Exact semantics live in spec/ops.md; every backend implements exactly that.

import type { AttrSchema } from './attrs.js';
import type { Attrs, Node, TensorType, Value } from './graph.js';
import type { GraphBuilder } from './builder.js';

export type OpFamily =
  | 'source'
  | 'unary'
  | 'binary'
  | 'ternary'
  | 'cast'
  | 'reduce'
  | 'scan'
  | 'contraction'
  | 'movement'
  | 'index'
  | 'sort';

/**
 * Reverse-mode derivative rule: given a node and the cotangent of its output, emit (into `b`) the cotangent of each
 * operand, or null where the operand is not differentiable (indices, conditions).
 */
export type VjpRule = (b: GraphBuilder, node: Node, cotangent: Value) => readonly (Value | null)[];

export interface OpDef {
  readonly name: string;
  readonly family: OpFamily;
  /** How many operands the op takes; 'variadic' means one or more. */
  readonly operands: number | 'variadic';
  readonly attrs: AttrSchema;
  /** The shape and dtype rule. Throws (via `fail`) with the reason when operands or attributes do not fit. */
  readonly infer: (operands: readonly TensorType[], attrs: Attrs) => TensorType;
  readonly vjp?: VjpRule;
}
