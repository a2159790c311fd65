// f32 inputs for the encode tests: targeted values where rounding decides (every representable value of each narrow
// format, every midpoint between neighbours, the overflow threshold, a few ulps around each, both signs, the
// specials), and big random batches expanded from a seed that fast-check picks.

import { decodeBf16, decodeF16, decodeFp8, mulberry32Bits } from '../../../src/numerics/index.js';

const VIEW = new DataView(new ArrayBuffer(4));

function bitsOf(x: number): number {
  VIEW.setFloat32(0, x);
  return VIEW.getUint32(0);
}

/** f32 bit patterns of zeros, subnormal and normal extremes, infinities and NaNs with various payloads and signs. */
export const SPECIAL_BITS: readonly number[] = [
  0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff,
  0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fbfffff, 0x7fffffff, 0xffffffff, 0x7fa5a5a5,
];

/** Positive finite values of a format in ascending order, from its decoded codes 0..0x7f.. (sign clear). */
function positiveFinite(decoded: Float32Array): number[] {
  return Array.from(decoded.subarray(0, decoded.length / 2)).filter((v) => Number.isFinite(v));
}

/**
 * Each value, each midpoint between neighbours, and the midpoint past the largest value (the overflow threshold,
 * max + half its ulp; every format here has a max that is not a power of two). Midpoints have one more significant
 * bit than the format, so they are exact f32 values.
 */
function roundingPoints(values: readonly number[]): number[] {
  const points = [...values];
  for (let k = 1; k < values.length; k++) points.push((values[k - 1] + values[k]) / 2);
  const [prev, max] = values.slice(-2);
  points.push(max + (max - prev) / 2);
  return points;
}

const FORMAT_VALUES: readonly (() => number[])[] = [
  () => positiveFinite(decodeFp8(Uint8Array.from({ length: 256 }, (_, i) => i), 'f8e4m3fn')),
  () => positiveFinite(decodeFp8(Uint8Array.from({ length: 256 }, (_, i) => i), 'f8e5m2')),
  () => positiveFinite(decodeBf16(Uint16Array.from({ length: 65536 }, (_, i) => i))),
  () => positiveFinite(decodeF16(Uint16Array.from({ length: 65536 }, (_, i) => i))),
];

const ULPS = 2;

let targeted: Float32Array | undefined;

/** Targeted encode inputs for all formats at once (about 1.2M values, some repeated), built on first use. */
export function targetedInputs(): Float32Array {
  if (targeted !== undefined) return targeted;
  const bits: number[] = [...SPECIAL_BITS];
  for (const values of FORMAT_VALUES) {
    for (const point of roundingPoints(values())) {
      const center = bitsOf(point);
      for (let b = Math.max(center - ULPS, 0); b <= Math.min(center + ULPS, 0x7fffffff); b++) bits.push(b, (b | 0x80000000) >>> 0);
    }
  }
  targeted = new Float32Array(Uint32Array.from(bits).buffer);
  return targeted;
}


/** Exponent fields that cover every narrow format's range down to below f16's smallest subnormal (2^-24). */
const FOCUS_EXPONENTS = { lo: 96, count: 64 };

/**
 * `n` f32 bit patterns from `seed`: even indices uniform over all 2^32 patterns (every binade alike, NaNs and
 * infinities included), odd ones with an exponent field in the narrow formats' range and a random sign and mantissa.
 */
export function randomBatch(seed: number, n: number): Float32Array {
  const next = mulberry32Bits(seed);
  const bits = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const r = next();
    if (i % 2 === 0) bits[i] = r;
    else bits[i] = ((r & 0x807fffff) | ((FOCUS_EXPONENTS.lo + (next() % FOCUS_EXPONENTS.count)) << 23)) >>> 0;
  }
  return new Float32Array(bits.buffer);
}
