// Random data for a graph's inputs: mostly plain values (halves, then any float in [-8, 8]), some of any value
// the dtype holds, and — unless turned off for comparisons that want finite data — specials: ±0, ±inf and NaN for
// floats, the extremes for i32.

import fc from 'fast-check';
import { allocStorage, byteSize, inputName, isFloat, numel, tensorData, type DType, type Graph, type TensorData } from '../../src/ir/index.js';
import { decodeToF32, encodeFloats, roundToDType } from '../../src/numerics/index.js';

export interface RandomInputOptions {
  /** Whether data may hold -0, ±inf, NaN and the i32 extremes (default true). */
  readonly specials?: boolean;
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

/** Floats are drawn as f32 values and rounded into narrower dtypes (fp8 saturating, so no NaN appears from overflow). */
function toStorage(dtype: DType, values: number[]) {
  if (isFloat(dtype)) return encodeFloats(Float32Array.from(values), dtype, 'saturate');
  return dtype === 'i32' ? Int32Array.from(values) : Uint8Array.from(values);
}

/** Data of `dtype` and `shape`. */
export function randomTensor(dtype: DType, shape: readonly number[], options: RandomInputOptions = {}): fc.Arbitrary<TensorData> {
  const n = numel(shape);
  return fc
    .array(element(dtype, options.specials ?? true), { minLength: n, maxLength: n })
    .map((values) => tensorData(dtype, shape, toStorage(dtype, values)));
}

/** Data for every input of `g`, keyed by input name. */
export function randomInputs(g: Graph, options: RandomInputOptions = {}): fc.Arbitrary<Record<string, TensorData>> {
  return fc.record(Object.fromEntries(g.inputs.map((v) => [inputName(v), randomTensor(v.dtype, v.shape, options)])));
}
