// Dtype-level conversions between f32 values and each dtype's storage array, used by the rest of the project.

import type { DType, FloatDType, StorageArray } from '../ir/dtype.js';
import { isFp8 } from '../ir/dtype.js';
import { decodeBf16, encodeBf16, f32ToBf16, bf16ToF32 } from './bf16.js';
import { decodeF16, encodeF16, f16ToF32, f32ToF16 } from './f16.js';
import type { Fp8CastMode } from './fp8.js';
import { decodeFp8, encodeFp8, f32ToFp8, fp8ToF32 } from './fp8.js';
import { f32Bits } from './f32-bits.js';

function requireMode(dtype: FloatDType, mode: Fp8CastMode | undefined, what: string): Fp8CastMode {
  if (mode === undefined) throw new TypeError(`${what}: casting to ${dtype} needs an overflow mode; expected 'saturate' or 'torch'`);
  return mode;
}

function requireStorage<T extends StorageArray>(src: StorageArray, type: { new (n: number): T; readonly name: string }, dtype: DType): T {
  if (!(src instanceof type)) throw new TypeError(`decodeToF32: ${dtype} data must be a ${type.name}, got ${src.constructor.name}`);
  return src;
}

/**
 * The storage array of `src` rounded to `dtype` (a new array; f32 is copied). `mode` is required for fp8 dtypes and
 * ignored otherwise.
 */
export function encodeFloats(src: Float32Array, dtype: FloatDType, mode?: Fp8CastMode): StorageArray {
  switch (dtype) {
    case 'f32':
      return new Float32Array(src);
    case 'f16':
      return encodeF16(src);
    case 'bf16':
      return encodeBf16(src);
    case 'f8e4m3fn':
    case 'f8e5m2':
      return encodeFp8(src, dtype, requireMode(dtype, mode, 'encodeFloats'));
  }
}

/**
 * The storage code of `x`, an f32 value representable in `dtype` (or ±inf, NaN), as kernels carry codes: an i32
 * (f32: its bit pattern; fp8: the non-saturating encoding, so an inf or NaN stays one).
 */
export function storageCode(x: number, dtype: FloatDType): number {
  switch (dtype) {
    case 'f32':
      return f32Bits(x) | 0;
    case 'f16':
      return f32ToF16(x);
    case 'bf16':
      return f32ToBf16(x);
    case 'f8e4m3fn':
    case 'f8e5m2':
      return f32ToFp8(x, dtype, 'torch');
  }
}

/**
 * The values of `src` (storage of `dtype`) as a new Float32Array. Exact for every float dtype, u8 and bool; i32 values
 * beyond ±2^24 round to the nearest f32. Bool bytes must be 0 or 1.
 */
export function decodeToF32(src: StorageArray, dtype: DType): Float32Array {
  switch (dtype) {
    case 'f32':
      return new Float32Array(requireStorage(src, Float32Array, dtype));
    case 'f16':
      return decodeF16(requireStorage(src, Uint16Array, dtype));
    case 'bf16':
      return decodeBf16(requireStorage(src, Uint16Array, dtype));
    case 'f8e4m3fn':
    case 'f8e5m2':
      return decodeFp8(requireStorage(src, Uint8Array, dtype), dtype);
    case 'i32':
      return Float32Array.from(requireStorage(src, Int32Array, dtype));
    case 'u8':
      return Float32Array.from(requireStorage(src, Uint8Array, dtype));
    case 'bool':
      return decodeBool(requireStorage(src, Uint8Array, dtype));
  }
}

function decodeBool(src: Uint8Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    if (src[i] > 1) throw new RangeError(`decodeToF32: bool element ${i} is ${src[i]}; expected 0 or 1`);
    out[i] = src[i];
  }
  return out;
}

/** Float -> integer cast: truncate toward zero, saturate to [lo, hi], NaN -> 0 (and -0 -> 0: integers have no sign of zero). */
function castToInt(x: number, lo: number, hi: number): number {
  if (x !== x) return 0;
  return Math.min(Math.max(Math.trunc(x), lo), hi) + 0;
}

/**
 * The value `x` has after a round trip through `dtype` (constant folding). Narrow floats need `x` to be an f32 value
 * already, since they round once from f32; `mode` is required for fp8. Integers follow the cast rules: truncate
 * toward zero, saturate to the dtype's range, NaN -> 0. bool is 1 for any nonzero x (NaN included), else 0.
 */
export function roundToDType(x: number, dtype: DType, mode?: Fp8CastMode): number {
  if (isFp8(dtype)) return fp8ToF32(f32ToFp8(x, dtype, requireMode(dtype, mode, 'roundToDType')), dtype);
  switch (dtype) {
    case 'f32':
      return Math.fround(x);
    case 'f16':
      return f16ToF32(f32ToF16(x));
    case 'bf16':
      return bf16ToF32(f32ToBf16(x));
    case 'i32':
      return castToInt(x, -(2 ** 31), 2 ** 31 - 1);
    case 'u8':
      return castToInt(x, 0, 255);
    case 'bool':
      return x === 0 ? 0 : 1;
  }
}
