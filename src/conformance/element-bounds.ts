// Per-element error bounds of elementwise ops and casts. An operand is an interval [x - e, x + e] around the
// oracle's value x; an op maps its operands' intervals to the interval its result may take on a backend that
// keeps every allowance of the tolerance table, and the result's bound is that interval's reach from the oracle's
// result plus the op's own allowance. A bound of Infinity means "not determined": the result may legitimately
// take either side of a discontinuity (floor, a comparison, a cast to an integer, NaN or inf from an overflow).
// Every elementwise op that accepts a float has its rule here (a missing one is a type error); on integers and
// bools every op is exact, so its result's bound is its operands'.

import { elementwiseDef, isFloat, type BinaryOpName, type DType, type ElementwiseOpAccepting, type UnaryOpName } from '../ir/index.js';
import { roundToDType, type Fp8CastMode } from '../numerics/index.js';
import { TOLERANCE, ulp } from './tolerance.js';

export const UNDETERMINED = Infinity;

/** An operand element: the oracle's value, its bound, and whether it is an f32 product an addition may fuse. */
export interface Operand {
  readonly x: number;
  readonly e: number;
  readonly product?: boolean;
}

type Range = readonly [number, number];

const F32_MAX = 3.4028234663852886e38;
const isTiny = (v: number) => v !== 0 && Math.abs(v) < TOLERANCE.flushBelow;

/** The operand's interval; with `flush`, widened to zero when it holds magnitudes a device may flush. */
function rangeOf(o: Operand, flush: boolean): Range {
  // An exact -0 stays -0 at both ends (-0 + 0 is +0).
  let [lo, hi] = o.e === 0 ? [o.x, o.x] : [o.x - o.e, o.x + o.e];
  if (flush && (isTiny(lo) || isTiny(hi) || (lo < 0 && hi > 0 && o.e < TOLERANCE.flushBelow))) [lo, hi] = [Math.min(lo, 0), Math.max(hi, 0)];
  return [lo, hi];
}

/** The operand is exactly its value on every backend (a device could not flush it). */
const exactRange = (o: Operand, flush: boolean): boolean => o.e === 0 && !(flush && isTiny(o.x));

/**
 * The bound of a float result `y` (the oracle's, in `dtype`) whose backend value lies in `range` before the final
 * rounding, plus `local` (the op's table allowance, in f32 terms). `exact` says the operands were exact, so the
 * result is the correctly rounded value up to `local`; `flush` that the op is arithmetic a device may flush.
 */
function settle(y: number, range: Range | undefined, exact: boolean, local: number, dtype: DType, flush: boolean): number {
  const narrow = dtype !== 'f32';
  const flushed = (bound: number) => bound + (flush ? flushAllowance(y - bound, y + bound) : 0);
  if (exact) return Number.isFinite(y) ? flushed(local > 0 ? local + (narrow ? ulp(dtype, y) : 0) : 0) : 0;
  if (range === undefined) return UNDETERMINED;
  const [lo, hi] = range;
  if (Number.isNaN(y)) return Number.isNaN(lo) && Number.isNaN(hi) ? 0 : UNDETERMINED;
  // Every point of the operands' intervals gives the oracle's value (an exact op, or a saturated one: -inf - x),
  // down to the sign of a zero; zeros of both signs leave a bound (ulp('f32', 0) below) that admits either.
  if (Object.is(lo, y) && Object.is(hi, y)) return Number.isFinite(y) ? flushed(local) : 0;
  if (!Number.isFinite(y) || !Number.isFinite(lo) || !Number.isFinite(hi)) return UNDETERMINED;
  const reach = Math.max(Math.abs(lo), Math.abs(hi));
  if (reach > F32_MAX) return UNDETERMINED;
  // The backend rounds a value in [lo, hi] (one ulp at most beyond it), and then to a narrow dtype.
  return flushed(Math.max(hi - y, y - lo) + local + ulp('f32', reach) + (narrow ? ulp(dtype, reach) : 0));
}

/** A result whose interval holds a nonzero magnitude below the flush threshold may come out as zero. */
const flushAllowance = (lo: number, hi: number): number => (lo < TOLERANCE.flushBelow && hi > -TOLERANCE.flushBelow && (lo !== 0 || hi !== 0) ? TOLERANCE.flushBelow : 0);

const f32Ulp = (v: number) => ulp('f32', v);

/** How a unary float op's result bound follows from its operand's interval. */
interface UnaryRule {
  /** The image of the operand's interval (x: the oracle's operand); undefined where not determined. */
  readonly range: (r: Range, x: number) => Range | undefined;
  /** The table's allowance at argument x with result y, both finite (`exact`: exact operand, so spec'd exact cases apply). */
  readonly allowance?: (x: number, y: number, exact: boolean) => number;
  /** The op only moves the sign bit, so a device cannot flush it. */
  readonly signOnly?: boolean;
}

const lipschitz = (y: number, reach: number): Range => [y - reach, y + reach];

/** log of an interval: NaN for a negative one, undetermined across zero. */
const positive = (f: (v: number) => number) => ([lo, hi]: Range): Range | undefined => (hi < 0 ? [NaN, NaN] : lo <= 0 ? undefined : [f(lo), f(hi)]);

/** The same integer (and sign of zero) at both ends of the interval, or undetermined. */
const step = (f: (v: number) => number) => ([lo, hi]: Range): Range | undefined => (Object.is(f(lo), f(hi)) ? [f(lo), f(lo)] : undefined);

const exponential = (x: number, y: number) => TOLERANCE.exponentialUlps(x) * f32Ulp(y);
const logarithm = (x: number, y: number) => (x >= 0.5 && x <= 2 ? TOLERANCE.logarithmAbsoluteNearOne : TOLERANCE.logarithmUlps * f32Ulp(y));
const trigonometric = (x: number) => TOLERANCE.trigonometricAbsolute(x);

const UNARY: Readonly<Record<string, UnaryRule>> = {
  neg: { range: ([lo, hi]) => [-hi, -lo], signOnly: true },
  abs: {
    range: ([lo, hi]) => (lo <= 0 && hi >= 0 ? [0, Math.max(-lo, hi)] : [Math.min(Math.abs(lo), Math.abs(hi)), Math.max(Math.abs(lo), Math.abs(hi))]),
    signOnly: true,
  },
  exp: { range: ([lo, hi]) => [Math.exp(lo), Math.exp(hi)], allowance: exponential },
  exp2: { range: ([lo, hi]) => [2 ** lo, 2 ** hi], allowance: (x, y, exact) => (exact && Number.isInteger(x) ? 0 : exponential(x, y)) },
  log: { range: positive(Math.log), allowance: logarithm },
  log2: { range: positive(Math.log2), allowance: (x, y, exact) => (exact && 2 ** y === x ? 0 : logarithm(x, y)) },
  sqrt: { range: ([lo, hi]) => (hi < 0 ? [NaN, NaN] : lo < 0 ? undefined : [Math.sqrt(lo), Math.sqrt(hi)]), allowance: (_, y) => TOLERANCE.sqrtUlps * f32Ulp(y) },
  recip: { range: ([lo, hi]) => (lo <= 0 && hi >= 0 ? undefined : [1 / hi, 1 / lo]), allowance: (_, y) => TOLERANCE.divisionUlps * f32Ulp(y) },
  // Lipschitz 1: the reach of the argument.
  sin: { range: ([lo, hi], x) => lipschitz(Math.sin(x), Math.max(hi - x, x - lo)), allowance: trigonometric },
  cos: { range: ([lo, hi], x) => lipschitz(Math.cos(x), Math.max(hi - x, x - lo)), allowance: trigonometric },
  floor: { range: step(Math.floor) },
  ceil: { range: step(Math.ceil) },
} satisfies Record<Extract<UnaryOpName, ElementwiseOpAccepting<'f32'>>, UnaryRule>;

/** The rule of `op` in `table`, or an error naming the op that lacks one. */
function ruleOf<R>(table: Readonly<Record<string, R>>, op: string): R {
  const rule = table[op];
  if (rule === undefined) throw new Error(`element bounds: no rule for float ${op}; add it to src/conformance/element-bounds.ts`);
  return rule;
}

export function unaryBound(op: string, dtype: DType, a: Operand, y: number): number {
  if (!isFloat(dtype)) return a.e;
  const rule = ruleOf(UNARY, op);
  const flush = !rule.signOnly;
  const exact = exactRange(a, flush);
  const range = rule.range(rangeOf(a, flush), a.x);
  const farthest = range ? (Math.abs(range[0]) > Math.abs(range[1]) ? range[0] : range[1]) : y;
  const [x, fy] = exact ? [a.x, y] : [Math.abs(a.x) + a.e, farthest];
  // Special values in and out are exact (spec/ops.md).
  const local = rule.allowance && Number.isFinite(x) && Number.isFinite(fy) ? rule.allowance(x, fy, exact) : 0;
  return settle(y, range, exact, local, dtype, flush);
}

function productRange(a: Range, b: Range): Range | undefined {
  const p = [a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]];
  return p.some(Number.isNaN) ? undefined : [Math.min(...p), Math.max(...p)];
}

function quotientRange(a: Range, b: Range): Range | undefined {
  if (b[0] <= 0 && b[1] >= 0) return undefined;
  return productRange(a, [1 / b[1], 1 / b[0]]);
}

/**
 * How a binary float op's result bound follows from its operands' intervals: their image and the table's own
 * allowance at result y; or, for a comparison, determined where its entry's `overIntervals` decides it.
 */
type BinaryRule = { readonly range: (a: Range, b: Range) => Range | undefined; readonly allowance?: (y: number) => number } | 'comparison';

const BINARY: Readonly<Record<string, BinaryRule>> = {
  add: { range: (a, b) => [a[0] + b[0], a[1] + b[1]] },
  sub: { range: (a, b) => [a[0] - b[1], a[1] - b[0]] },
  mul: { range: productRange },
  div: { range: quotientRange, allowance: (y) => TOLERANCE.divisionUlps * f32Ulp(y) },
  max: { range: (a, b) => [Math.max(a[0], b[0]), Math.max(a[1], b[1])] },
  min: { range: (a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1])] },
  lt: 'comparison',
  le: 'comparison',
  eq: 'comparison',
  ne: 'comparison',
} satisfies Record<Extract<BinaryOpName, ElementwiseOpAccepting<'f32'>>, BinaryRule>;

/** Widens an f32 product feeding an addition by the rounding a fused multiply-add skips. */
const fusable = (o: Operand): Operand => (o.product && o.x !== 0 ? { x: o.x, e: o.e + TOLERANCE.fusedProductUlps * f32Ulp(o.x) } : o);

export function binaryBound(op: string, dtype: DType, a0: Operand, b0: Operand, y: number): number {
  if (!isFloat(dtype)) return Math.max(a0.e, b0.e);
  const [a, b] = op === 'add' || op === 'sub' ? [fusable(a0), fusable(b0)] : [a0, b0];
  const exact = exactRange(a, true) && exactRange(b, true);
  const [ra, rb] = [rangeOf(a, true), rangeOf(b, true)];
  const rule = ruleOf(BINARY, op);
  if (rule === 'comparison') {
    if (exact || Number.isNaN(a.x) || Number.isNaN(b.x)) return exact ? 0 : UNDETERMINED;
    return elementwiseDef(op)!.algebra.overIntervals!(ra, rb) === undefined ? UNDETERMINED : 0;
  }
  return settle(y, rule.range(ra, rb), exact, rule.allowance?.(y) ?? 0, dtype, true);
}

/** A cast: exact between exact values; across an interval, determined when both ends convert alike. */
export function castBound(from: DType, to: DType, mode: Fp8CastMode | undefined, a: Operand, y: number): number {
  if (a.e === 0) return 0;
  if (!isFloat(from) || a.e === UNDETERMINED) return a.e;
  const [lo, hi] = [Math.fround(a.x - a.e), Math.fround(a.x + a.e)];
  const [clo, chi] = [roundToDType(lo, to, mode), roundToDType(hi, to, mode)];
  if (!isFloat(to)) return clo === chi && (to !== 'bool' || !(lo <= 0 && hi >= 0)) ? 0 : UNDETERMINED;
  if (!Number.isFinite(clo) || !Number.isFinite(chi) || !Number.isFinite(y)) return UNDETERMINED;
  const reach = Math.max(chi - y, y - clo);
  // Both ends round to zero, of different signs: the result is a zero of either sign.
  return reach === 0 && !Object.is(clo, chi) ? TOLERANCE.zeroOfEitherSign : reach;
}
