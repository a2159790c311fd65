// Round-to-odd to f32: how a value wider than f32 (a float64 sum, an i32 above 2^24) reaches a narrow float with a
// single rounding, as spec/ops.md requires of casts and accumulations.

import { f32Bits, f32FromBits } from './f32-bits.js';

/**
 * `x` (any double) rounded to f32 with round-to-odd: truncated toward zero, lowest bit set when inexact. Rounding
 * that to a format with at most 22 significand bits (f16, bf16, fp8) with nearest-even equals rounding `x` there
 * directly, so sums kept in float64 and i32 values reach narrow floats with a single rounding.
 */
export function roundToOddF32(x: number): number {
  const r = Math.fround(x);
  if (r === x || !Number.isFinite(x)) return r;
  const bits = f32Bits(r);
  if (bits & 1) return r;
  // r is even, so the neighbour on x's side is odd (this also turns an overflow to inf into the largest finite).
  return f32FromBits(Math.abs(r) > Math.abs(x) ? bits - 1 : bits + 1);
}
