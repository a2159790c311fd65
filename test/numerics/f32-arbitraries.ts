// f32 values for property tests, built from bit patterns through a DataView (independent of the code under test).

import fc from 'fast-check';

const VIEW = new DataView(new ArrayBuffer(4));

export function f32FromBitPattern(bits: number): number {
  VIEW.setUint32(0, bits);
  return VIEW.getFloat32(0);
}

export function bitPatternOf(x: number): number {
  VIEW.setFloat32(0, x);
  return VIEW.getUint32(0);
}

export const hex = (n: number, digits: number): string => `0x${n.toString(16).padStart(digits, '0')}`;

/** Every 32-bit pattern, NaNs included. */
export const anyF32Bits = fc.integer({ min: 0, max: 0xffffffff });

/** Bit patterns within `ulps` f32 steps of a value from `values` (finite, positive), with either sign. */
export function bitsNear(values: fc.Arbitrary<number>, ulps: number): fc.Arbitrary<number> {
  return fc
    .tuple(values, fc.integer({ min: -ulps, max: ulps }), fc.boolean())
    .map(([value, step, negative]) => ((bitPatternOf(value) + step) | (negative ? 0x80000000 : 0)) >>> 0);
}
