// IEEE binary16, stored as raw Uint16 bits. The conversions are @petamoriken/float16's: it rounds a double to
// nearest even with subnormals, and an f32 input is exact as a double, so that is the single f32 -> f16 rounding.
// The library keeps NaN payload bits (as far as the engine keeps them in a number); like torch (and bf16/fp8 here)
// every NaN becomes the quiet NaN 0x7E00 with its sign, so results do not depend on payloads.

import { Float16Array } from '@petamoriken/float16';
import { requireF32 } from './f32-bits.js';
import { outputArray } from './output-array.js';

const SCRATCH_BITS = new Uint16Array(1);
const SCRATCH = new Float16Array(SCRATCH_BITS.buffer);

let valueTable: Float32Array | undefined;

/** The value of every f16 bit pattern, so that decoding is a lookup; built on first use (tens of ms). */
function f16Values(): Float32Array {
  valueTable ??= Float32Array.from(new Float16Array(Uint16Array.from({ length: 0x10000 }, (_, bits) => bits).buffer));
  return valueTable;
}

const quietNaN = (bits: number): number => ((bits & 0x7fff) > 0x7c00 ? (bits & 0x8000) | 0x7e00 : bits);

export function f32ToF16(x: number): number {
  SCRATCH[0] = requireF32(x, 'f32ToF16');
  return quietNaN(SCRATCH_BITS[0]);
}

export function f16ToF32(bits: number): number {
  const value = f16Values()[bits];
  if (value === undefined) throw new RangeError(`f16ToF32: ${bits} is not a 16-bit pattern; expected an integer 0..65535`);
  return value;
}

export function encodeF16(src: Float32Array, out?: Uint16Array): Uint16Array {
  const dst = outputArray(out, src.length, Uint16Array, 'encodeF16');
  new Float16Array(dst.buffer, dst.byteOffset, dst.length).set(src);
  for (let i = 0; i < dst.length; i++) dst[i] = quietNaN(dst[i]);
  return dst;
}

export function decodeF16(src: Uint16Array, out?: Float32Array): Float32Array {
  const dst = outputArray(out, src.length, Float32Array, 'decodeF16');
  const values = f16Values();
  for (let i = 0; i < src.length; i++) dst[i] = values[src[i]];
  return dst;
}
