// Random data for a graph's inputs: mostly plain values (halves, then any float in [-8, 8]), some of any value
// the dtype holds, and — unless turned off for comparisons that want finite data — specials: ±0, ±inf and NaN for
// floats, the extremes for i32. Asked for, float elements are also drawn as raw storage codes, most of them NaN
// payloads and subnormals (f16 0x7c04, e5m2 0x7d), which no rounding of an f32 value produces.

import fc from 'fast-check';
import { allocStorage, byteSize, inputName, isFloat, numel, tensorData, type DType, type Graph, type TensorData } from '../../src/ir/index.js';
import { decodeToF32, encodeFloats, roundToDType } from '../../src/numerics/index.js';

export interface RandomInputOptions {
  /** Whether data may hold -0, ±inf, NaN and the i32 extremes (default true). */
  readonly specials?: boolean;
  /** Whether float data may hold raw storage codes: every NaN payload and subnormal (default false; needs specials). */
  readonly bitPatterns?: boolean;
}

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;

/** Any value of a float dtype, drawn from its bit patterns. */
function anyValueOf(dtype: DType): fc.Arbitrary<number> {
  if (dtype === 'f32') return fc.float();
  return fc.integer({ min: 0, max: 2 ** (8 * byteSize(dtype)) - 1 }).map((bits) => {
    const storage = allocStorage(dtype, 1);
    storage[0] = bits;
    return decodeToF32(storage, dtype)[0]!;
  });
}

const isPlain = (x: number) => Number.isFinite(x) && !Object.is(x, -0);

function floatElement(dtype: DType, specials: boolean): fc.Arbitrary<number> {
  const parts = [
    { arbitrary: fc.integer({ min: -16, max: 16 }).map((i) => i / 2), weight: 4 },
    { arbitrary: fc.float({ min: -8, max: 8, noNaN: true }), weight: 4 },
    { arbitrary: anyValueOf(dtype), weight: 1 },
  ];
  if (specials) return fc.oneof(...parts, { arbitrary: fc.constantFrom(0, -0, Infinity, -Infinity, NaN), weight: 1 });
  // Values that round to -0 or overflow in a narrow dtype count as specials too.
  return fc.oneof(...parts).filter((x) => isPlain(roundToDType(x, dtype, 'saturate')));
}

function intElement(specials: boolean): fc.Arbitrary<number> {
  const parts = [
    { arbitrary: fc.integer({ min: -8, max: 8 }), weight: 4 },
    { arbitrary: fc.integer({ min: I32_MIN, max: I32_MAX }), weight: 1 },
  ];
  return specials ? fc.oneof(...parts, { arbitrary: fc.constantFrom(I32_MIN, I32_MAX), weight: 1 }) : fc.oneof(...parts);
}

function element(dtype: DType, specials: boolean): fc.Arbitrary<number> {
  if (isFloat(dtype)) return floatElement(dtype, specials);
  if (dtype === 'i32') return intElement(specials);
  return fc.integer({ min: 0, max: dtype === 'bool' ? 1 : 255 });
}

/** Exponent and mantissa widths of the float formats. */
const FIELDS: Readonly<Partial<Record<DType, readonly [number, number]>>> = { f32: [8, 23], f16: [5, 10], bf16: [8, 7], f8e5m2: [5, 2], f8e4m3fn: [4, 3] };

/** Storage codes of a float dtype: any, a NaN (every payload, either sign) or a subnormal. */
function storageCode(dtype: DType): fc.Arbitrary<number> {
  const [e, m] = FIELDS[dtype]!;
  const sign = fc.constantFrom(0, 2 ** (e + m));
  const exponentOnes = (2 ** e - 1) * 2 ** m;
  // e4m3fn spends the top exponent on finite values but its all-ones mantissa.
  const nanMantissa = dtype === 'f8e4m3fn' ? fc.constant(2 ** m - 1) : fc.integer({ min: 1, max: 2 ** m - 1 });
  return fc.oneof(
    fc.integer({ min: 0, max: 2 ** (e + m + 1) - 1 }),
    fc.tuple(sign, nanMantissa).map(([s, mant]) => s + exponentOnes + mant),
    fc.tuple(sign, fc.integer({ min: 1, max: 2 ** m - 1 })).map(([s, mant]) => s + mant),
  );
}

/** An element as a value, or as the storage code to put in place of it. */
type Element = number | { readonly code: number };

/** Floats are drawn as f32 values and rounded into narrower dtypes (fp8 saturating, so no NaN appears from overflow). */
function toStorage(dtype: DType, elements: readonly Element[]) {
  const values = elements.map((x) => (typeof x === 'number' ? x : 0));
  if (!isFloat(dtype)) return dtype === 'i32' ? Int32Array.from(values) : Uint8Array.from(values);
  const data = encodeFloats(Float32Array.from(values), dtype, 'saturate');
  const codes = data instanceof Float32Array ? new Uint32Array(data.buffer, data.byteOffset, data.length) : data;
  elements.forEach((x, i) => typeof x === 'number' || (codes[i] = x.code));
  return data;
}

/** Data of `dtype` and `shape`. */
export function randomTensor(dtype: DType, shape: readonly number[], options: RandomInputOptions = {}): fc.Arbitrary<TensorData> {
  const n = numel(shape);
  const specials = options.specials ?? true;
  const value = element(dtype, specials);
  const code = options.bitPatterns && specials && isFloat(dtype) ? [{ arbitrary: storageCode(dtype).map((c): Element => ({ code: c })), weight: 1 }] : [];
  const elements: fc.Arbitrary<Element> = code.length ? fc.oneof({ arbitrary: value, weight: 4 }, ...code) : value;
  return fc.array(elements, { minLength: n, maxLength: n }).map((values) => tensorData(dtype, shape, toStorage(dtype, values)));
}

/** Data for every input of `g`, keyed by input name. */
export function randomInputs(g: Graph, options: RandomInputOptions = {}): fc.Arbitrary<Record<string, TensorData>> {
  return fc.record(Object.fromEntries(g.inputs.map((v) => [inputName(v), randomTensor(v.dtype, v.shape, options)])));
}
