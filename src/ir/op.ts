// What an op is: one definition per primitive — operands, attributes, type rule, recompute cost and (for the
// elementwise ops) scalar semantics and algebra; the derivative rule has its place here too.
// Exact semantics live in spec/ops.md; every backend implements exactly that.

import type { AttrSchema } from './attrs.js';
import type { DType } from './dtype.js';
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
 * Reverse-mode derivative rule (a vector-Jacobian product): given a node and the cotangent of its result (same type),
 * emit into `b` the cotangent of each operand, one per operand, or null where the operand gets none (indices,
 * conditions, a derivative that is zero almost everywhere). Only called for a result of a differentiable dtype
 * (src/autodiff); spec/autodiff.md states every rule.
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
  /**
   * What computing one element inside the kernel that reads it costs, an addition being 1 (default 1). Fusion
   * stores a value several kernels read instead of recomputing it in each when its inline past costs too much.
   */
  readonly cost?: number;
  readonly vjp: VjpRule;
}

/** One element of each operand in, one element of the result out (numbers as spec/ops.md carries each dtype). */
export type ScalarFn = (...operands: number[]) => number;

/** What an elementwise op computes on one element, by the compute class of its operands (spec/ops.md). */
export interface ScalarSemantics {
  /** On f32 values (a narrow float decoded exactly): the exact result, rounded once to f32 and then to the dtype. */
  readonly float?: ScalarFn;
  /** On int32 values, giving an int32. */
  readonly i32?: ScalarFn;
  /** On the values of every dtype the op accepts, with nothing to round (comparisons, logic, selection). */
  readonly exact?: ScalarFn;
}

/** A closed interval [lo, hi] of values. */
export type Interval = readonly [lo: number, hi: number];

/** Algebraic facts the compiler relies on. Each holds bit for bit for every value of every dtype the op accepts. */
export interface Algebra {
  /** op(a, b) = op(b, a). */
  readonly commutative?: boolean;
  /** op(a, a) = a. */
  readonly idempotent?: boolean;
  /** op(op(a)) = a. */
  readonly involution?: boolean;
  /**
   * op(a, value) = a, and also op(value, a) = a when `left`. Matched with Object.is, so the −0 that is add's
   * identity is no i32 value (and +0 is not it).
   */
  readonly identity?: { readonly value: number; readonly left: boolean };
  /** op(a, z) = op(z, a) = z. */
  readonly absorbing?: number;
  /** A comparison: whether it holds for every pair of points of two intervals (undefined when that varies). */
  readonly overIntervals?: (a: Interval, b: Interval) => boolean | undefined;
}

/** An elementwise primitive (unary, binary, or the ternary `where`): its definition as data. */
export interface ElementwiseDef extends OpDef {
  readonly family: 'unary' | 'binary' | 'ternary';
  /** The operand dtypes it accepts (`where`: the dtypes of the values it selects between). */
  readonly dtypes: readonly DType[];
  /** The result's dtype: the operands' own, or bool (comparisons). */
  readonly result: 'operand' | 'bool';
  readonly scalar: ScalarSemantics;
  readonly algebra: Algebra;
  readonly cost: number;
}
