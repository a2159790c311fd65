// The two 8-bit float formats of FP8 training/inference (OCP FP8): e4m3fn and e5m2, stored as raw bytes.
// The encoder works on the f32 bit pattern with integer operations only, so the WebGPU backend can port it to WGSL as is.

import type { Fp8DType } from '../ir/dtype.js';
import { bitsView, f32Bits, requireF32 } from './f32-bits.js';
import { outputArray } from './output-array.js';

/** 'f8e4m3fn' | 'f8e5m2': the fp8 dtypes. */
export type Fp8Format = Fp8DType;

/**
 * What an f32 -> fp8 cast does with magnitudes beyond the largest finite value.
 * - `saturate`: clamp to ±max (quantisation kernels; ±inf -> ±max, NaN stays NaN).
 * - `torch`: PyTorch's cast, exact round-to-nearest-even on the grid extended by one step past max, where that step
 *   means NaN for e4m3fn (|x| > 464, ±inf -> NaN) and infinity for e5m2 (|x| >= 61440 -> ±inf).
 */
export type Fp8CastMode = 'saturate' | 'torch';

interface Fp8Layout {
  readonly mantBits: number;
  readonly bias: number;
  /** Magnitude code (sign bit clear) of the largest finite value. */
  readonly maxFiniteCode: number;
  /** Magnitude code of infinity, or null when the format has none. */
  readonly infCode: number | null;
}

const LAYOUT: Record<Fp8Format, Fp8Layout> = {
  f8e4m3fn: { mantBits: 3, bias: 7, maxFiniteCode: 0x7e, infCode: null },
  f8e5m2: { mantBits: 2, bias: 15, maxFiniteCode: 0x7b, infCode: 0x7c },
};

export const FP8_MAX: Record<Fp8Format, number> = { f8e4m3fn: 448, f8e5m2: 57344 };

/** Both formats use 0x7F (0xFF with the sign) as the NaN they produce. */
const NAN_CODE = 0x7f;

/** The value of every byte; NaN bytes decode to the quiet f32 NaN of the same sign (set as bits: a JS NaN may lose it). */
function decodeTable({ mantBits, bias, maxFiniteCode, infCode }: Fp8Layout): Float32Array {
  const table = new Float32Array(256);
  const bits = new Uint32Array(table.buffer);
  for (let code = 0; code < 256; code++) {
    const sign = code & 0x80 ? -1 : 1;
    const magnitude = code & 0x7f;
    const exp = magnitude >> mantBits;
    const mant = magnitude & ((1 << mantBits) - 1);
    if (magnitude === infCode) table[code] = sign * Infinity;
    else if (magnitude > maxFiniteCode) bits[code] = code & 0x80 ? 0xffc00000 : 0x7fc00000;
    else if (exp === 0) table[code] = sign * mant * 2 ** (1 - bias - mantBits);
    else table[code] = sign * ((1 << mantBits) + mant) * 2 ** (exp - bias - mantBits);
  }
  return table;
}

const DECODE: Record<Fp8Format, Float32Array> = {
  f8e4m3fn: decodeTable(LAYOUT.f8e4m3fn),
  f8e5m2: decodeTable(LAYOUT.f8e5m2),
};

/**
 * The largest magnitude code a cast may produce. Rounding past max finite yields max finite + 1, which is exactly the
 * torch result (e4m3fn: 0x7F = NaN, e5m2: 0x7C = inf), so overflow handling is a single `min` with this limit.
 */
function overflowLimit(format: Fp8Format, mode: Fp8CastMode): number {
  return LAYOUT[format].maxFiniteCode + (mode === 'torch' ? 1 : 0);
}

/**
 * Encodes an f32 bit pattern. `limit` is `overflowLimit(format, mode)`.
 *
 * Rounding: the f32 significand (24 bits with the implicit 1) is placed under the fp8 exponent, so shifting it right
 * by (23 - mantBits) leaves `exponent << mantBits | mantissa`, i.e. the fp8 magnitude code. Below the smallest normal
 * the shift grows by one per binade, which denormalises. A round-up carry out of the mantissa increments the
 * exponent field, which is again the right code (also from the largest subnormal into the smallest normal).
 */
function encodeFp8Bits(bits: number, mantBits: number, bias: number, limit: number): number {
  const sign = (bits >>> 24) & 0x80;
  const abs = bits & 0x7fffffff;
  if (abs > 0x7f800000) return sign | NAN_CODE;
  // Biased fp8 exponent of the value; <= 0 means the result is subnormal or zero. Infinity takes the same path
  // (exponent field 255) and overflows like any large finite value.
  const exp = (abs >>> 23) - 127 + bias;
  // Significand under exponent field max(exp, 1). For f32 zeros/subnormals the implied 1 is wrong, but their
  // shift is clamped to 31 and everything below 2^24 shifted by >= 25 rounds to 0 anyway.
  const sig = (Math.max(exp, 1) << 23) | (abs & 0x7fffff);
  // Clamped because shifts by >= 32 wrap in JS and WGSL.
  const shift = Math.min(23 - mantBits + Math.max(1 - exp, 0), 31);
  // Round to nearest, ties to even: adding half - 1 carries into the kept bits exactly when the dropped bits exceed
  // half; adding the kept lowest bit too makes an exact half carry only when the kept value is odd.
  const half = 1 << (shift - 1);
  const code = (sig + (half - 1) + ((sig >>> shift) & 1)) >>> shift;
  return sign | Math.min(code, limit);
}

/** The value of fp8 byte `code` (NaN codes give NaN, e5m2 0x7C/0xFC give ±inf). */
export function fp8ToF32(code: number, format: Fp8Format): number {
  const value = DECODE[format][code];
  if (value === undefined) throw new RangeError(`fp8ToF32: code ${code} is not a byte; expected an integer 0..255`);
  return value;
}

/** The fp8 byte for the f32 value `x` (round to nearest even, subnormals kept, signed zero and NaN sign kept). */
export function f32ToFp8(x: number, format: Fp8Format, mode: Fp8CastMode): number {
  const { mantBits, bias } = LAYOUT[format];
  return encodeFp8Bits(f32Bits(requireF32(x, 'f32ToFp8')), mantBits, bias, overflowLimit(format, mode));
}

/** Encodes every element of `src`; NaN payload signs come from the raw bits. */
export function encodeFp8(src: Float32Array, format: Fp8Format, mode: Fp8CastMode, out?: Uint8Array): Uint8Array {
  const dst = outputArray(out, src.length, Uint8Array, 'encodeFp8');
  const bits = bitsView(src);
  const { mantBits, bias } = LAYOUT[format];
  const limit = overflowLimit(format, mode);
  for (let i = 0; i < bits.length; i++) dst[i] = encodeFp8Bits(bits[i], mantBits, bias, limit);
  return dst;
}

/** Decodes every byte of `src`, copying the table's bits so NaN signs survive. */
export function decodeFp8(src: Uint8Array, format: Fp8Format, out?: Float32Array): Float32Array {
  const dst = outputArray(out, src.length, Float32Array, 'decodeFp8');
  const table = bitsView(DECODE[format]);
  const dstBits = bitsView(dst);
  for (let i = 0; i < src.length; i++) dstBits[i] = table[src[i]];
  return dst;
}

/** The 256 decoded values of `format` (read-only; NaN bytes keep their sign in the bits). */
export const fp8Values = (format: Fp8Format): Float32Array => DECODE[format];
