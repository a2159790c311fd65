// Shared pieces of the CPU backend tests: one-op graphs, fast-check tensors (NaN, ±inf, ±0, subnormals and narrow
// floats included), naive multi-index helpers, and comparisons that report the first mismatching elements.

import fc from 'fast-check';
import { expect } from 'vitest';
import { evaluate } from '../../../src/backends/reference/index.js';
import { allocStorage, GraphBuilder, numel, type Attrs, type DType, type Shape, type TensorData, type WeightStore } from '../../../src/ir/index.js';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16, f32ToFp8, fp8ToF32, type Fp8CastMode } from '../../../src/numerics/index.js';
import { nearestCode, type FloatGrid } from '../../numerics/float-grid-oracle.js';
import { bitPatternOf, f32FromBitPattern } from '../../numerics/f32-arbitraries.js';

export { bitPatternOf, f32FromBitPattern };

/** Evaluates one primitive on the given operands (graph inputs in0, in1, ...). */
export function runOp(op: string, operands: readonly TensorData[], attrs: Attrs = {}, weights?: WeightStore): TensorData {
  const b = new GraphBuilder('one_op');
  const inputs = operands.map((t, i) => b.input(`in${i}`, { dtype: t.dtype, shape: t.shape }));
  const g = b.build({ out: b.op(op, inputs, attrs) });
  return evaluate(g, Object.fromEntries(operands.map((t, i) => [`in${i}`, t])), weights).out!;
}

// ---- multi-indices ----

export function* multiIndices(shape: Shape): Generator<number[]> {
  if (shape.some((d) => d === 0)) return;
  const idx = shape.map(() => 0);
  for (;;) {
    yield [...idx];
    let a = shape.length - 1;
    while (a >= 0 && ++idx[a]! === shape[a]) idx[a--] = 0;
    if (a < 0) return;
  }
}

/** Row-major position of `idx` in `shape`. */
export const flatIndex = (shape: Shape, idx: readonly number[]): number => idx.reduce((f, i, a) => f * shape[a]! + i, 0);

// ---- element values ----

/** The number an element stands for: narrow floats decoded, integers as they are. */
export function valueAt(t: TensorData, i: number): number {
  const raw = t.data[i]!;
  switch (t.dtype) {
    case 'f16':
      return f16ToF32(raw);
    case 'bf16':
      return bf16ToF32(raw);
    case 'f8e4m3fn':
    case 'f8e5m2':
      return fp8ToF32(raw, t.dtype);
    default:
      return raw;
  }
}

export const values = (t: TensorData): number[] => Array.from({ length: numel(t.shape) }, (_, i) => valueAt(t, i));

/** The storage element of an f32 value `v` (already rounded to f32) in float dtype `d`. */
export function encodeF32(v: number, d: DType, mode: Fp8CastMode = 'saturate'): number {
  switch (d) {
    case 'f16':
      return f32ToF16(v);
    case 'bf16':
      return f32ToBf16(v);
    case 'f8e4m3fn':
    case 'f8e5m2':
      return f32ToFp8(v, d, mode);
    default:
      return v;
  }
}

export function tensorOf(dtype: DType, shape: Shape, elements: readonly number[]): TensorData {
  const data = allocStorage(dtype, numel(shape));
  elements.forEach((e, i) => (data[i] = e));
  return { dtype, shape: [...shape], data };
}

/** A tensor from f32 bit patterns (so NaN payloads survive construction). */
export function f32FromBits(shape: Shape, bits: readonly number[]): TensorData {
  const data = new Float32Array(bits.length);
  new Uint32Array(data.buffer).set(bits);
  return { dtype: 'f32', shape: [...shape], data };
}

// ---- arbitraries ----

export const shapeArb = (maxRank = 3, maxDim = 4, minRank = 0): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 0, max: maxDim }), { minLength: minRank, maxLength: maxRank });

const SPECIAL_F32 = [0, -0, Infinity, -Infinity, NaN, 1, -1, 0.5, 2, 3, 2 ** -149, -(2 ** -126), 3.4028234663852886e38, 65504, 65520];

/** f32 values: anything, with special values and small integers (ties, exact sums) made common. */
export const f32Arb: fc.Arbitrary<number> = fc.oneof(
  fc.float(),
  fc.constantFrom(...SPECIAL_F32),
  fc.integer({ min: -8, max: 8 }),
  fc.float({ min: -100, max: 100, noNaN: true }),
);

const I32_SPECIAL = [-(2 ** 31), 2 ** 31 - 1, 0, -1, 1, 2];

/** Storage elements of `dtype`: bit patterns for narrow floats (every NaN and subnormal included). */
export function elementArb(dtype: DType): fc.Arbitrary<number> {
  switch (dtype) {
    case 'f32':
      return f32Arb;
    case 'f16':
    case 'bf16':
      return fc.oneof(fc.integer({ min: 0, max: 0xffff }), f32Arb.map((v) => encodeF32(Math.fround(v), dtype)));
    case 'f8e4m3fn':
    case 'f8e5m2':
    case 'u8':
      return fc.integer({ min: 0, max: 255 });
    case 'i32':
      return fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: -9, max: 9 }), fc.constantFrom(...I32_SPECIAL));
    case 'bool':
      return fc.integer({ min: 0, max: 1 });
  }
}

/** A tensor of `shape` whose storage elements come from `elements`. */
export const tensorArb = (dtype: DType, shape: Shape, elements = elementArb(dtype)): fc.Arbitrary<TensorData> =>
  fc.array(elements, { minLength: numel(shape), maxLength: numel(shape) }).map((els) => tensorOf(dtype, shape, els));

/** A shape and `count` tensors of that shape. */
export const tensorsArb = (dtype: DType, count: number, shape = shapeArb()): fc.Arbitrary<TensorData[]> =>
  shape.chain((s) => fc.tuple(...Array.from({ length: count }, () => tensorArb(dtype, s))));

// ---- float grids (independent rounding oracle) ----

export const GRIDS: Record<'f16' | 'bf16' | 'f8e4m3fn' | 'f8e5m2', FloatGrid> = {
  f16: { mantBits: 10, bias: 15, beyondCode: 0x7c00 },
  bf16: { mantBits: 7, bias: 127, beyondCode: 0x7f80 },
  f8e4m3fn: { mantBits: 3, bias: 7, beyondCode: 0x7f },
  f8e5m2: { mantBits: 2, bias: 15, beyondCode: 0x7c },
};

const SIGN_BIT: Record<keyof typeof GRIDS, number> = { f16: 0x8000, bf16: 0x8000, f8e4m3fn: 0x80, f8e5m2: 0x80 };

/** The storage bits of finite double `x` rounded once (nearest even) to a narrow float; overflow gives `beyondCode`. */
export function roundedBits(x: number, d: keyof typeof GRIDS): number {
  const code = nearestCode(Math.abs(x), GRIDS[d]);
  return (x < 0 || Object.is(x, -0) ? (code | SIGN_BIT[d]) >>> 0 : code) >>> 0;
}

/** The value of `x` rounded once to f32, f16 or bf16 (inf on overflow). f32 is JavaScript's own correctly rounded Math.fround. */
export function roundedValue(x: number, d: 'f32' | 'f16' | 'bf16'): number {
  if (d === 'f32' || !Number.isFinite(x)) return Math.fround(x);
  const bits = roundedBits(x, d);
  return d === 'f16' ? f16ToF32(bits) : bf16ToF32(bits);
}

/** One unit in the last place of dtype `d` at the magnitude of `x` (subnormal spacing near zero). */
export function ulp(x: number, d: 'f32' | 'f16' | 'bf16'): number {
  const { mantBits, bias } = d === 'f32' ? { mantBits: 23, bias: 127 } : GRIDS[d];
  const e = Math.max(Math.floor(Math.log2(Math.abs(x) || 1)), 1 - bias);
  return 2 ** (e - mantBits);
}

// ---- naive float max/min: NaN wins, +0 above -0 ----

export const maxOf = (a: number, b: number): number => (a !== a || b !== b ? NaN : a === b ? (Object.is(a, -0) ? b : a) : a > b ? a : b);
export const minOf = (a: number, b: number): number => (a !== a || b !== b ? NaN : a === b ? (Object.is(a, -0) ? a : b) : a < b ? a : b);

// ---- comparisons ----

const sameNumber = (a: number, b: number): boolean => Object.is(a, b) || (a !== a && b !== b);

function expectElementsEqual(actual: TensorData, expected: TensorData, at: (t: TensorData, i: number) => number, context: string): void {
  expect(actual.dtype, context).toBe(expected.dtype);
  expect([...actual.shape], context).toEqual([...expected.shape]);
  const bad: string[] = [];
  const show = (x: number) => (Object.is(x, -0) ? '-0' : String(x));
  for (let i = 0; i < expected.data.length && bad.length < 5; i++) {
    const [a, e] = [at(actual, i), at(expected, i)];
    if (!sameNumber(a, e)) bad.push(`#${i}: got ${show(a)}, expected ${show(e)}`);
  }
  expect(bad, context).toEqual([]);
}

/** Equal element values, signed zeros told apart; any NaN matches any NaN (the spec leaves NaN payload and sign open). */
export const expectSameTensor = (actual: TensorData, expected: TensorData, context = ''): void =>
  expectElementsEqual(actual, expected, valueAt, context);

/** Equal storage bits, NaNs included (f32 compared through its bit patterns). */
export const expectSameBits = (actual: TensorData, expected: TensorData, context = ''): void =>
  expectElementsEqual(actual, expected, (t, i) => storageBitsOf(t)[i]!, context);

/** The storage elements as numbers; f32 as its bit patterns (read through the memory, so NaN payloads show). */
export function storageBitsOf(t: TensorData): number[] {
  return t.data instanceof Float32Array ? Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)) : Array.from(t.data);
}

/** Each element within `tol[i]` of `expected[i]` (NaN matches NaN, infinities match exactly). */
export function expectClose(actual: readonly number[], expected: readonly number[], tol: (i: number) => number, context = ''): void {
  expect(actual.length, context).toBe(expected.length);
  const bad: string[] = [];
  for (let i = 0; i < expected.length && bad.length < 5; i++) {
    const [a, e] = [actual[i]!, expected[i]!];
    const ok = sameNumber(a, e) || (Number.isFinite(a) && Number.isFinite(e) && Math.abs(a - e) <= tol(i));
    if (!ok) bad.push(`#${i}: got ${a}, expected ${e} (tolerance ${tol(i)})`);
  }
  expect(bad, context).toEqual([]);
}
