// Comparisons of computed tensors with expected ones: elementwise within a tolerance or bit for bit, routing indices
// as sets per token, routing weights matched by expert. Each says how far apart the two are (largest and relative
// difference, how many elements are out of tolerance) and where: the worst element, by its index in the expected
// tensor's shape, with both values. `dsv3 verify` and `dsv3 diff` print them with report.ts.

import { bound, describeTolerance, F32_TOLERANCE, GATE_WEIGHT_TOLERANCE, type Tolerance } from './tolerance.js';

/** A tensor's values as numbers in row-major order (TensorData of f32, i32 or u8 is one; bf16/f16/fp8 bits are not). */
export interface Values {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

/** One element: where it is in the expected tensor, and the computed (got) and expected values. */
export interface ElementPair {
  readonly index: readonly number[];
  readonly got: number;
  readonly expected: number;
}

export interface Comparison {
  readonly name: string;
  /** The largest |got - expected| (a NaN or infinity against another value counts as Infinity; for indices: the number of tokens whose expert set differs). */
  readonly maxError: number;
  /** maxError over the largest finite |expected| (Infinity when that is 0 and maxError is not); undefined for indices. */
  readonly relError?: number;
  /** Elements (for indices: tokens) out of tolerance, of `count` compared. */
  readonly failing: number;
  readonly count: number;
  readonly tolerance: string;
  readonly pass: boolean;
  /** The element furthest beyond its tolerance (or, when all pass, closest to it). */
  readonly worst?: ElementPair;
  /** What went wrong when no element says it: the shapes, or a token's expert sets. */
  readonly detail?: string;
}

/** The shape without its size-1 dimensions: [2, 1, 512] and [2, 512] hold the same values in the same order. */
const squeezed = (shape: readonly number[]): number[] => shape.filter((d) => d !== 1);

const sameShape = (a: readonly number[], b: readonly number[]): boolean => {
  const [x, y] = [squeezed(a), squeezed(b)];
  return x.length === y.length && x.every((d, i) => d === y[i]);
};

/** The multi-dimensional index of row-major element `flat` of `shape`. */
export function unflatten(flat: number, shape: readonly number[]): number[] {
  const index = shape.map(() => 0);
  for (let d = shape.length - 1, rest = flat; d >= 0; d--) {
    index[d] = rest % shape[d]!;
    rest = Math.floor(rest / shape[d]!);
  }
  return index;
}

function shapeMismatch(name: string, got: Values, want: Values): Comparison | undefined {
  if (sameShape(got.shape, want.shape)) return undefined;
  return { name, maxError: Infinity, failing: want.data.length, count: want.data.length, tolerance: 'shape', pass: false, detail: `shape [${got.shape}] vs expected [${want.shape}]` };
}

/** |a - b|, with equal values matching whatever they are (the same infinity, NaN and NaN), and any other NaN or infinity Infinity. */
function elementError(a: number, b: number): number {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return 0;
  const diff = Math.abs(a - b);
  return Number.isFinite(diff) ? diff : Infinity;
}

/** Elementwise: pass when every |a - b| <= abs + rel·|b|. Shapes must agree up to size-1 dimensions. */
export function compareF32(name: string, got: Values, want: Values, tolerance: Tolerance = F32_TOLERANCE): Comparison {
  const bad = shapeMismatch(name, got, want);
  if (bad) return bad;
  let maxError = 0;
  let maxExpected = 0;
  let failing = 0;
  let worst = 0;
  let worstExcess = -Infinity;
  for (let i = 0; i < want.data.length; i++) {
    const b = want.data[i]!;
    const err = elementError(got.data[i]!, b);
    const excess = err === Infinity ? Infinity : err - bound(tolerance, b);
    if (excess > 0) failing++;
    if (excess > worstExcess) [worstExcess, worst] = [excess, i];
    maxError = Math.max(maxError, err);
    if (Number.isFinite(b)) maxExpected = Math.max(maxExpected, Math.abs(b));
  }
  const relError = maxError === 0 ? 0 : maxError / maxExpected;
  const pair = want.data.length ? { worst: { index: unflatten(worst, want.shape), got: got.data[worst]!, expected: want.data[worst]! } } : {};
  return { name, maxError, relError, failing, count: want.data.length, tolerance: describeTolerance(tolerance), pass: failing === 0, ...pair };
}

/** Bit for bit: every element has the expected bit pattern (+0 and -0 differ). maxError is still the largest |a - b|. */
export function compareBits(name: string, got: Values, want: Values): Comparison {
  const bad = shapeMismatch(name, got, want);
  if (bad) return bad;
  let maxError = 0;
  let failing = 0;
  let first = -1;
  for (let i = 0; i < want.data.length; i++) {
    if (Object.is(got.data[i], want.data[i])) continue;
    failing++;
    if (first < 0) first = i;
    maxError = Math.max(maxError, elementError(got.data[i]!, want.data[i]!));
  }
  const worst = first < 0 ? {} : { worst: { index: unflatten(first, want.shape), got: got.data[first]!, expected: want.data[first]! } };
  return { name, maxError, failing, count: want.data.length, tolerance: 'bit-exact', pass: failing === 0, ...worst };
}

function rows(t: Values): number[][] {
  const k = t.shape[t.shape.length - 1] ?? 1;
  return Array.from({ length: t.data.length / k }, (_, r) => Array.from({ length: k }, (_, j) => t.data[r * k + j]!));
}

const sortedKey = (row: readonly number[]): string => JSON.stringify([...row].sort((x, y) => x - y));

/** Expert indices [T, k]: each token's set of experts must match exactly (in any order: torch.topk(sorted=False) may reorder). */
export function compareIndices(name: string, got: Values, want: Values): Comparison {
  const bad = shapeMismatch(name, got, want);
  if (bad) return bad;
  const [g, w] = [rows(got), rows(want)];
  const differing = g.flatMap((r, i) => (sortedKey(r) === sortedKey(w[i]!) ? [] : [i]));
  const detail = differing.length ? `token ${differing[0]}: experts [${g[differing[0]!]}] vs expected [${w[differing[0]!]}]` : undefined;
  return { name, maxError: differing.length, failing: differing.length, count: w.length, tolerance: 'exact sets', pass: differing.length === 0, ...(detail ? { detail } : {}) };
}

/**
 * Routing weights [T, k], matched by expert through both index tensors (which must hold the same sets): each
 * expected weight against the computed weight of the same expert, within abs + rel·|b|.
 */
export function compareGateWeights(
  name: string,
  got: Values,
  gotIdx: Values,
  want: Values,
  wantIdx: Values,
  tolerance: Tolerance = { abs: GATE_WEIGHT_TOLERANCE, rel: 0 },
): Comparison {
  const bad = shapeMismatch(name, got, want) ?? shapeMismatch(name, gotIdx, wantIdx);
  if (bad) return bad;
  const [gw, gi, ww, wi] = [rows(got), rows(gotIdx), rows(want), rows(wantIdx)];
  const k = ww[0]?.length ?? 0;
  // The expert's weight lined up with `want`; NaN where the computed run did not choose that expert.
  const matched = ww.flatMap((_, r) => wi[r]!.map((expert) => gw[r]![gi[r]!.indexOf(expert)] ?? NaN));
  const r = compareF32(name, { shape: want.shape, data: matched }, want, tolerance);
  const missing = matched.findIndex(Number.isNaN);
  const detail = missing < 0 ? {} : { detail: `token ${Math.floor(missing / k)}: expert ${wi[Math.floor(missing / k)]![missing % k]} was not chosen` };
  return { ...r, ...detail };
}
