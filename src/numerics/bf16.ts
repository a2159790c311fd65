// bfloat16: the top half of an f32, stored as raw Uint16 bits.

import { bitsView, f32Bits, f32FromBits, requireF32 } from './f32-bits.js';
import { outputArray } from './output-array.js';

/**
 * Round to nearest even on the f32 bits: adding 0x7FFF carries into the kept half exactly when the dropped half
 * exceeds 0x8000, and adding the kept lowest bit makes an exact 0x8000 carry only when the kept half is odd. The
 * carry walks into the exponent as needed, so overflow to infinity and subnormals need no special case. A NaN
 * could lose its payload (and become inf), so it becomes the quiet NaN 0x7FC0 with its sign.
 */
function bf16FromF32Bits(bits: number): number {
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) & 0x8000) | 0x7fc0;
  return (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
}

export function f32ToBf16(x: number): number {
  return bf16FromF32Bits(f32Bits(requireF32(x, 'f32ToBf16')));
}

export function bf16ToF32(bits: number): number {
  if ((bits & 0xffff) !== bits) throw new RangeError(`bf16ToF32: ${bits} is not a 16-bit pattern; expected an integer 0..65535`);
  return f32FromBits(bits << 16);
}

export function encodeBf16(src: Float32Array, out?: Uint16Array): Uint16Array {
  const dst = outputArray(out, src.length, Uint16Array, 'encodeBf16');
  const bits = bitsView(src);
  for (let i = 0; i < bits.length; i++) dst[i] = bf16FromF32Bits(bits[i]);
  return dst;
}

/** Exact: every bf16 value is an f32 value (NaN payloads are kept bit for bit). */
export function decodeBf16(src: Uint16Array, out?: Float32Array): Float32Array {
  const dst = outputArray(out, src.length, Float32Array, 'decodeBf16');
  const bits = bitsView(dst);
  for (let i = 0; i < src.length; i++) bits[i] = src[i] << 16;
  return dst;
}
