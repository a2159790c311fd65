// Elementwise ops: operands of one shape (the ops layer broadcasts explicitly), applied per element. Each entry is
// the op's whole definition as data: the dtypes it accepts, its result, what it computes on one element, the
// algebra the compiler relies on, and what recomputing it costs. The compiler's op sets, constant folding, the
// backends' per-op tables and the conformance cases all derive from these entries (spec/ops.md).
// Narrow floats (f16, bf16) compute in f32 and round the result back to their dtype.

import { formatType, type TensorType, type Value } from '../graph.js';
import type { GraphBuilder } from '../builder.js';
import { fail } from '../errors.js';
import { sameShape } from '../shape.js';
import { DTYPES, isFloat, type DType } from '../dtype.js';
import type { Algebra, ElementwiseDef, Interval, ScalarSemantics, VjpRule } from '../op.js';
import { roundToDType } from '../../numerics/index.js';
import { filled, noGradient } from './vjp-building.js';

const FLOATS = ['f32', 'f16', 'bf16'] as const;
const NUMBERS = [...FLOATS, 'i32'] as const;
const BOOL = ['bool'] as const;
const COMPARABLE = [...NUMBERS, 'u8', 'bool'] as const;

/** Transcendental functions, square roots and divisions: worth storing rather than recomputing for several readers. */
const EXPENSIVE = 8;

/** One op's entry; its name is its key in UNARY or BINARY. */
interface Entry {
  readonly dtypes: readonly DType[];
  /** Comparisons give bool; every other op gives its operands' dtype. */
  readonly result?: 'bool';
  readonly scalar: ScalarSemantics;
  readonly algebra?: Algebra;
  readonly cost?: number;
  readonly vjp: VjpRule;
}

/** How an elementwise rule writes its graph: ops by name, and constants shaped like a value. */
interface RuleKit {
  op(name: string, ...operands: Value[]): Value;
  fill(value: number, like: Value): Value;
}

/** An elementwise derivative rule written from the cotangent `g`, the result `y` and the operands. */
function rule(f: (k: RuleKit, g: Value, y: Value, ...operands: Value[]) => (Value | null)[]): VjpRule {
  return (b: GraphBuilder, node, g) => f({ op: (name, ...operands) => b.op(name, operands), fill: (value, like) => filled(b, value, like.type) }, g, node.outputs[0]!, ...node.inputs);
}

/** d max(a, b) (greatest) or d min(a, b): the operand that wins gets the cotangent, a tie gives each half (as torch, jax). */
const extremum = (greatest: boolean) =>
  rule((k, g, _, a, b) => {
    const [aWins, bWins] = greatest ? [k.op('lt', b!, a!), k.op('lt', a!, b!)] : [k.op('lt', a!, b!), k.op('lt', b!, a!)];
    const tie = k.op('eq', a!, b!);
    const half = k.op('mul', g, k.fill(0.5, g));
    const zero = k.fill(0, g);
    return [k.op('where', tie, half, k.op('where', aWins, g, zero)), k.op('where', tie, half, k.op('where', bWins, g, zero))];
  });

/** A float function worth storing rather than recomputing for several readers. */
const expensive = (float: (a: number) => number, vjp: VjpRule) => ({ dtypes: FLOATS, scalar: { float }, cost: EXPENSIVE, vjp }) satisfies Entry;

const ln2 = (k: RuleKit, like: Value) => k.op('log', k.fill(2, like));

const UNARY = {
  neg: { dtypes: NUMBERS, scalar: { float: (a) => -a, i32: (a) => -a | 0 }, algebra: { involution: true }, vjp: rule((k, g) => [k.op('neg', g)]) },
  abs: {
    dtypes: NUMBERS,
    scalar: { float: Math.abs, i32: (a) => Math.abs(a) | 0 },
    // The sign of x; 0 at x = ±0 (and for NaN), as torch.
    vjp: rule((k, g, _, x) => {
      const zero = k.fill(0, x!);
      return [k.op('where', k.op('lt', x!, zero), k.op('neg', g), k.op('where', k.op('lt', zero, x!), g, zero))];
    }),
  },
  exp: expensive(Math.exp, rule((k, g, y) => [k.op('mul', g, y)])),
  exp2: expensive((a) => 2 ** a, rule((k, g, y) => [k.op('mul', k.op('mul', g, y), ln2(k, g))])),
  log: expensive(Math.log, rule((k, g, _, x) => [k.op('div', g, x!)])),
  log2: expensive(Math.log2, rule((k, g, _, x) => [k.op('div', g, k.op('mul', x!, ln2(k, x!)))])),
  // g / (2·sqrt x): ±inf at x = 0, as torch.
  sqrt: expensive(Math.sqrt, rule((k, g, y) => [k.op('div', g, k.op('add', y, y))])),
  recip: expensive((a) => 1 / a, rule((k, g, y) => [k.op('neg', k.op('mul', k.op('mul', g, y), y))])),
  sin: expensive(Math.sin, rule((k, g, _, x) => [k.op('mul', g, k.op('cos', x!))])),
  cos: expensive(Math.cos, rule((k, g, _, x) => [k.op('neg', k.op('mul', g, k.op('sin', x!)))])),
  // Piecewise constant: the derivative is zero wherever it exists.
  floor: { dtypes: FLOATS, scalar: { float: Math.floor }, vjp: noGradient },
  ceil: { dtypes: FLOATS, scalar: { float: Math.ceil }, vjp: noGradient },
  not: { dtypes: BOOL, scalar: { exact: (a) => Number(a === 0) }, algebra: { involution: true }, vjp: noGradient },
} as const satisfies Record<string, Entry>;

/** A comparison: IEEE on floats (NaN compares false, except `ne`), and decided over intervals by `overIntervals`. */
const comparison = (exact: (a: number, b: number) => boolean, overIntervals: (a: Interval, b: Interval) => boolean | undefined, commutative = false) =>
  ({
    dtypes: COMPARABLE,
    result: 'bool',
    scalar: { exact: (a, b) => Number(exact(a!, b!)) },
    algebra: { commutative, overIntervals },
    vjp: noGradient,
  }) as const satisfies Entry;

const disjoint = (a: Interval, b: Interval) => a[1] < b[0] || a[0] > b[1];

const BINARY = {
  add: {
    dtypes: NUMBERS,
    scalar: { float: (a, b) => a + b, i32: (a, b) => (a + b) | 0 },
    algebra: { commutative: true, identity: { value: -0, left: true } },
    vjp: rule((_, g) => [g, g]),
  },
  sub: {
    dtypes: NUMBERS,
    scalar: { float: (a, b) => a - b, i32: (a, b) => (a - b) | 0 },
    algebra: { identity: { value: 0, left: false } },
    vjp: rule((k, g) => [g, k.op('neg', g)]),
  },
  mul: {
    dtypes: NUMBERS,
    scalar: { float: (a, b) => a * b, i32: Math.imul },
    algebra: { commutative: true, identity: { value: 1, left: true } },
    vjp: rule((k, g, _, a, b) => [k.op('mul', g, b!), k.op('mul', g, a!)]),
  },
  // i32: x / 0 = x; the | 0 truncates and wraps (-2^31) / (-1) back to -2^31.
  div: {
    dtypes: NUMBERS,
    scalar: { float: (a, b) => a / b, i32: (a, b) => (b === 0 ? a : (a / b) | 0) },
    algebra: { identity: { value: 1, left: false } },
    cost: EXPENSIVE,
    // d/da = g / b; d/db = −g·a/b² = −(g / b)·y.
    vjp: rule((k, g, y, _, b) => {
      const da = k.op('div', g, b!);
      return [da, k.op('neg', k.op('mul', da, y))];
    }),
  },
  mod: { dtypes: ['i32'], scalar: { i32: (a, b) => (b === 0 ? 0 : (a % b) | 0) }, vjp: noGradient },
  // Math.max and Math.min propagate NaN and order -0 below +0, as spec/ops.md asks.
  max: { dtypes: NUMBERS, scalar: { float: Math.max, i32: Math.max }, algebra: { commutative: true, idempotent: true }, vjp: extremum(true) },
  min: { dtypes: NUMBERS, scalar: { float: Math.min, i32: Math.min }, algebra: { commutative: true, idempotent: true }, vjp: extremum(false) },
  lt: comparison((a, b) => a < b, (a, b) => (a[1] < b[0] ? true : a[0] >= b[1] ? false : undefined)),
  le: comparison((a, b) => a <= b, (a, b) => (a[1] <= b[0] ? true : a[0] > b[1] ? false : undefined)),
  eq: comparison((a, b) => a === b, (a, b) => (disjoint(a, b) ? false : undefined), true),
  ne: comparison((a, b) => a !== b, (a, b) => (disjoint(a, b) ? true : undefined), true),
  and: {
    dtypes: BOOL,
    scalar: { exact: (a, b) => Number(a !== 0 && b !== 0) },
    algebra: { commutative: true, idempotent: true, identity: { value: 1, left: true }, absorbing: 0 },
    vjp: noGradient,
  },
  or: {
    dtypes: BOOL,
    scalar: { exact: (a, b) => Number(a !== 0 || b !== 0) },
    algebra: { commutative: true, idempotent: true, identity: { value: 0, left: true }, absorbing: 1 },
    vjp: noGradient,
  },
} as const satisfies Record<string, Entry>;

type Entries = typeof UNARY & typeof BINARY;
export type UnaryOpName = keyof typeof UNARY;
export type BinaryOpName = keyof typeof BINARY;
/** The unary and binary elementwise primitives: what each backend's per-op table has one entry for. */
export type ElementwiseOpName = UnaryOpName | BinaryOpName;
/** The elementwise primitives that accept dtype D. */
export type ElementwiseOpAccepting<D extends DType> = { [K in ElementwiseOpName]: D extends Entries[K]['dtypes'][number] ? K : never }[ElementwiseOpName];

function checkDType(t: TensorType, allowed: readonly DType[]): void {
  if (!allowed.includes(t.dtype)) fail(`dtype ${t.dtype} not supported; expected ${allowed.join(', ')}`);
}

function sameTypes(types: readonly TensorType[]): TensorType {
  const [first] = types;
  for (const t of types) {
    if (t.dtype !== first!.dtype) fail(`operand dtypes differ (${types.map(formatType).join(', ')}); cast explicitly`);
    if (!sameShape(t.shape, first!.shape)) fail(`operand shapes differ (${types.map(formatType).join(', ')}); broadcast explicitly`);
  }
  return first!;
}

function define(name: string, family: 'unary' | 'binary', e: Entry): ElementwiseDef {
  const result = e.result ?? 'operand';
  return {
    name,
    family,
    operands: family === 'unary' ? 1 : 2,
    attrs: {},
    infer: (types) => {
      const t = sameTypes(types);
      checkDType(t, e.dtypes);
      return result === 'bool' ? { dtype: 'bool', shape: t.shape } : t;
    },
    dtypes: e.dtypes,
    result,
    scalar: e.scalar,
    algebra: e.algebra ?? {},
    cost: e.cost ?? 1,
    vjp: e.vjp,
  };
}

export const UNARY_OPS: readonly ElementwiseDef[] = Object.entries(UNARY).map(([name, e]) => define(name, 'unary', e));
export const BINARY_OPS: readonly ElementwiseDef[] = Object.entries(BINARY).map(([name, e]) => define(name, 'binary', e));

export const TERNARY_OPS: readonly ElementwiseDef[] = [
  {
    name: 'where',
    family: 'ternary',
    operands: 3,
    attrs: {},
    infer: ([cond, a, b]) => {
      if (cond!.dtype !== 'bool') fail(`condition must be bool, got ${formatType(cond!)}`);
      if (!sameShape(cond!.shape, a!.shape)) fail(`condition ${formatType(cond!)} and values ${formatType(a!)} differ in shape; broadcast explicitly`);
      return sameTypes([a!, b!]);
    },
    dtypes: DTYPES,
    result: 'operand',
    // Selection copies the chosen element bit for bit.
    scalar: { exact: (cond, a, b) => (cond !== 0 ? a! : b!) },
    algebra: {},
    cost: 1,
    vjp: rule((k, g, _, cond) => {
      const zero = k.fill(0, g);
      return [null, k.op('where', cond!, g, zero), k.op('where', cond!, zero, g)];
    }),
  },
];

/** Every elementwise primitive: the unary and binary ops, then `where`. */
export const ELEMENTWISE_OPS: readonly ElementwiseDef[] = [...UNARY_OPS, ...BINARY_OPS, ...TERNARY_OPS];

const BY_NAME: ReadonlyMap<string, ElementwiseDef> = new Map(ELEMENTWISE_OPS.map((d) => [d.name, d]));

/** The entry of elementwise primitive `op`, or undefined when `op` is not one. */
export const elementwiseDef = (op: string): ElementwiseDef | undefined => BY_NAME.get(op);

/**
 * The result of `op` on one element of operands of `dtype` (for `where`, of the values it selects), exactly as
 * spec/ops.md defines it: narrow floats compute in f32 and round the result once to their dtype.
 */
export function evaluateElementwise(op: ElementwiseDef, dtype: DType, operands: readonly number[]): number {
  const { exact, float, i32 } = op.scalar;
  if (exact) return exact(...operands);
  if (dtype === 'i32' && i32) return i32(...operands);
  if (isFloat(dtype) && float) {
    const r = Math.fround(float(...operands));
    return dtype === 'f32' ? r : roundToDType(r, dtype);
  }
  throw new Error(`elementwise ${op.name}: no semantics for ${dtype}; expected one of ${op.dtypes.join(', ')}`);
}
