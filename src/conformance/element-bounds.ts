// Per-element error bounds of elementwise ops and casts. An operand is an interval [x - e, x + e] around the
// oracle's value x; an op maps its operands' intervals to the interval its result may take on a backend that
// keeps every allowance of the tolerance table, and the result's bound is that interval's reach from the oracle's
// result plus the op's own allowance. A bound of Infinity means "not determined": the result may legitimately
// take either side of a discontinuity (floor, a comparison, a cast to an integer, NaN or inf from an overflow).

import { isFloat, type DType } from '../ir/index.js';
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
  let [lo, hi] = [o.x - o.e, o.x + o.e];
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
  // Every point of the operands' intervals gives the oracle's value (an exact op, or a saturated one: -inf - x).
  if (lo === y && hi === y) return Number.isFinite(y) ? flushed(local) : 0;
  if (!Number.isFinite(y) || !Number.isFinite(lo) || !Number.isFinite(hi)) return UNDETERMINED;
  const reach = Math.max(Math.abs(lo), Math.abs(hi));
  if (reach > F32_MAX) return UNDETERMINED;
  // The backend rounds a value in [lo, hi] (one ulp at most beyond it), and then to a narrow dtype.
  return flushed(Math.max(hi - y, y - lo) + local + ulp('f32', reach) + (narrow ? ulp(dtype, reach) : 0));
}

/** A result whose interval holds a nonzero magnitude below the flush threshold may come out as zero. */
const flushAllowance = (lo: number, hi: number): number => (lo < TOLERANCE.flushBelow && hi > -TOLERANCE.flushBelow && (lo !== 0 || hi !== 0) ? TOLERANCE.flushBelow : 0);

const f32Ulp = (v: number) => ulp('f32', v);

/** Monotone (or piecewise) images of an interval under each unary float op; undefined where not determined. */
const UNARY_RANGE: Readonly<Record<string, (r: Range, x: number) => Range | undefined>> = {
  neg: ([lo, hi]) => [-hi, -lo],
  abs: ([lo, hi]) => (lo <= 0 && hi >= 0 ? [0, Math.max(-lo, hi)] : [Math.min(Math.abs(lo), Math.abs(hi)), Math.max(Math.abs(lo), Math.abs(hi))]),
  exp: ([lo, hi]) => [Math.exp(lo), Math.exp(hi)],
  exp2: ([lo, hi]) => [2 ** lo, 2 ** hi],
  log: ([lo, hi]) => positive(lo, hi, Math.log),
  log2: ([lo, hi]) => positive(lo, hi, Math.log2),
  sqrt: ([lo, hi]) => (hi < 0 ? [NaN, NaN] : lo < 0 ? undefined : [Math.sqrt(lo), Math.sqrt(hi)]),
  recip: ([lo, hi]) => (lo <= 0 && hi >= 0 ? undefined : [1 / hi, 1 / lo]),
  // Lipschitz 1: the reach of the argument.
  sin: ([lo, hi], x) => lipschitz(Math.sin(x), Math.max(hi - x, x - lo)),
  cos: ([lo, hi], x) => lipschitz(Math.cos(x), Math.max(hi - x, x - lo)),
  floor: ([lo, hi]) => (Math.floor(lo) === Math.floor(hi) ? [Math.floor(lo), Math.floor(lo)] : undefined),
  ceil: ([lo, hi]) => (Math.ceil(lo) === Math.ceil(hi) ? [Math.ceil(lo), Math.ceil(lo)] : undefined),
};

const lipschitz = (y: number, reach: number): Range => [y - reach, y + reach];

/** log of an interval: NaN for a negative one, undetermined across zero. */
function positive(lo: number, hi: number, f: (v: number) => number): Range | undefined {
  if (hi < 0) return [NaN, NaN];
  return lo <= 0 ? undefined : [f(lo), f(hi)];
}

/** The table's allowance of a unary op at argument x with result y (exact operands: spec'd exact cases). */
function unaryAllowance(op: string, x: number, y: number, exact: boolean): number {
  // Special values in and out are exact (spec/ops.md).
  if (!Number.isFinite(x) || !Number.isFinite(y)) return 0;
  switch (op) {
    case 'exp':
      return TOLERANCE.exponentialUlps(x) * f32Ulp(y);
    case 'exp2':
      return exact && Number.isInteger(x) ? 0 : TOLERANCE.exponentialUlps(x) * f32Ulp(y);
    case 'log':
    case 'log2':
      if (op === 'log2' && exact && 2 ** y === x) return 0;
      return x >= 0.5 && x <= 2 ? TOLERANCE.logarithmAbsoluteNearOne : TOLERANCE.logarithmUlps * f32Ulp(y);
    case 'sqrt':
      return TOLERANCE.sqrtUlps * f32Ulp(y);
    case 'recip':
      return TOLERANCE.divisionUlps * f32Ulp(y);
    case 'sin':
    case 'cos':
      return TOLERANCE.trigonometricAbsolute(x);
    default:
      return 0;
  }
}

/** neg and abs move the sign bit only; every other float op is arithmetic a device may flush. */
const FLUSH_FREE_UNARY = new Set(['neg', 'abs']);

export function unaryBound(op: string, dtype: DType, a: Operand, y: number): number {
  if (!isFloat(dtype)) return a.e;
  const flush = !FLUSH_FREE_UNARY.has(op);
  const exact = exactRange(a, flush);
  const range = UNARY_RANGE[op]!(rangeOf(a, flush), a.x);
  const farthest = range ? (Math.abs(range[0]) > Math.abs(range[1]) ? range[0] : range[1]) : y;
  const arg = Math.abs(a.x) + a.e;
  return settle(y, range, exact, unaryAllowance(op, exact ? a.x : arg, exact ? y : farthest, exact), dtype, flush);
}

function productRange(a: Range, b: Range): Range | undefined {
  const p = [a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]];
  return p.some(Number.isNaN) ? undefined : [Math.min(...p), Math.max(...p)];
}

function quotientRange(a: Range, b: Range): Range | undefined {
  if (b[0] <= 0 && b[1] >= 0) return undefined;
  return productRange(a, [1 / b[1], 1 / b[0]]);
}

const BINARY_RANGE: Readonly<Record<string, (a: Range, b: Range) => Range | undefined>> = {
  add: (a, b) => [a[0] + b[0], a[1] + b[1]],
  sub: (a, b) => [a[0] - b[1], a[1] - b[0]],
  mul: productRange,
  div: quotientRange,
  max: (a, b) => [Math.max(a[0], b[0]), Math.max(a[1], b[1])],
  min: (a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1])],
};

/** Which comparisons hold for every pair of points of the two intervals, or undefined if that varies. */
const COMPARE: Readonly<Record<string, (a: Range, b: Range) => boolean | undefined>> = {
  lt: (a, b) => (a[1] < b[0] ? true : a[0] >= b[1] ? false : undefined),
  le: (a, b) => (a[1] <= b[0] ? true : a[0] > b[1] ? false : undefined),
  eq: (a, b) => (a[1] < b[0] || a[0] > b[1] ? false : undefined),
  ne: (a, b) => (a[1] < b[0] || a[0] > b[1] ? true : undefined),
};

/** Widens an f32 product feeding an addition by the rounding a fused multiply-add skips. */
const fusable = (o: Operand): Operand => (o.product && o.x !== 0 ? { x: o.x, e: o.e + TOLERANCE.fusedProductUlps * f32Ulp(o.x) } : o);

export function binaryBound(op: string, dtype: DType, a0: Operand, b0: Operand, y: number): number {
  if (!isFloat(dtype)) return Math.max(a0.e, b0.e);
  const [a, b] = op === 'add' || op === 'sub' ? [fusable(a0), fusable(b0)] : [a0, b0];
  const exact = exactRange(a, true) && exactRange(b, true);
  const [ra, rb] = [rangeOf(a, true), rangeOf(b, true)];
  const compare = COMPARE[op];
  if (compare) {
    if (exact || Number.isNaN(a.x) || Number.isNaN(b.x)) return exact ? 0 : UNDETERMINED;
    return compare(ra, rb) === undefined ? UNDETERMINED : 0;
  }
  const range = BINARY_RANGE[op]!(ra, rb);
  return settle(y, range, exact, op === 'div' ? TOLERANCE.divisionUlps * f32Ulp(y) : 0, dtype, true);
}

/** A cast: exact between exact values; across an interval, determined when both ends convert alike. */
export function castBound(from: DType, to: DType, mode: Fp8CastMode | undefined, a: Operand, y: number): number {
  if (a.e === 0) return 0;
  if (!isFloat(from) || a.e === UNDETERMINED) return a.e;
  const [lo, hi] = [Math.fround(a.x - a.e), Math.fround(a.x + a.e)];
  const [clo, chi] = [roundToDType(lo, to, mode), roundToDType(hi, to, mode)];
  if (!isFloat(to)) return clo === chi && (to !== 'bool' || !(lo <= 0 && hi >= 0)) ? 0 : UNDETERMINED;
  if (!Number.isFinite(clo) || !Number.isFinite(chi) || !Number.isFinite(y)) return UNDETERMINED;
  return Math.max(chi - y, y - clo);
}
