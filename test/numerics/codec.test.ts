import { describe, expect, it } from 'vitest';
import type { DType, FloatDType } from '../../src/ir/dtype.js';
import { allocStorage } from '../../src/ir/dtype.js';
import { decodeToF32, encodeFloats, roundToDType } from '../../src/numerics/index.js';

// Exact in every float dtype except where noted by the expected values below.
const SAMPLE = Float32Array.of(0, -0, 1, -2.5, 0.1, 300, 1e-7, Infinity, NaN);

describe('encodeFloats / decodeToF32', () => {
  const expected: Record<FloatDType, number[]> = {
    f32: Array.from(SAMPLE),
    f16: [0, -0, 1, -2.5, 0.0999755859375, 300, 1.1920928955078125e-7, Infinity, NaN],
    bf16: [0, -0, 1, -2.5, 0.10009765625, 300, 1.0011717677116394e-7, Infinity, NaN],
    f8e4m3fn: [0, -0, 1, -2.5, 0.1015625, 288, 0, 448, NaN],
    f8e5m2: [0, -0, 1, -2.5, 0.09375, 320, 0, 57344, NaN],
  };

  it.each(Object.keys(expected) as FloatDType[])('round-trips through %s (fp8 saturating)', (dtype) => {
    const decoded = decodeToF32(encodeFloats(SAMPLE, dtype, 'saturate'), dtype);
    expected[dtype].forEach((want, i) => expect(Object.is(decoded[i], want), `${dtype} #${i}: ${decoded[i]} vs ${want}`).toBe(true));
  });

  it('returns new arrays for f32 rather than aliasing', () => {
    const encoded = encodeFloats(SAMPLE, 'f32');
    expect(encoded).not.toBe(SAMPLE);
    expect(decodeToF32(encoded, 'f32')).not.toBe(encoded);
  });

  it('requires a mode for fp8 dtypes', () => {
    expect(() => encodeFloats(SAMPLE, 'f8e4m3fn')).toThrow(/encodeFloats: casting to f8e4m3fn needs an overflow mode/);
    expect(encodeFloats(Float32Array.of(500), 'f8e4m3fn', 'torch')[0]).toBe(0x7f);
  });

  it('decodes integer and bool storage to numbers', () => {
    expect(Array.from(decodeToF32(Int32Array.of(-3, 7, 2 ** 24 + 1), 'i32'))).toEqual([-3, 7, 2 ** 24]);
    expect(Array.from(decodeToF32(Uint8Array.of(0, 255), 'u8'))).toEqual([0, 255]);
    expect(Array.from(decodeToF32(Uint8Array.of(1, 0), 'bool'))).toEqual([1, 0]);
    expect(() => decodeToF32(Uint8Array.of(0, 2), 'bool')).toThrow(/bool element 1 is 2; expected 0 or 1/);
  });

  it('rejects storage of the wrong array type', () => {
    expect(() => decodeToF32(new Float32Array(2), 'bf16')).toThrow(/bf16 data must be a Uint16Array, got Float32Array/);
    expect(() => decodeToF32(allocStorage('i32', 2), 'u8')).toThrow(/u8 data must be a Uint8Array, got Int32Array/);
  });
});

describe('roundToDType', () => {
  it('rounds floats like the storage round trip', () => {
    const dtypes: DType[] = ['f32', 'f16', 'bf16', 'f8e4m3fn', 'f8e5m2'];
    for (const dtype of dtypes) {
      const viaArrays = decodeToF32(encodeFloats(SAMPLE, dtype as FloatDType, 'torch'), dtype);
      SAMPLE.forEach((x, i) => expect(Object.is(roundToDType(x, dtype, 'torch'), viaArrays[i]), `${dtype} ${x}`).toBe(true));
    }
    expect(roundToDType(0.1, 'f32')).toBe(Math.fround(0.1));
    expect(() => roundToDType(0.1, 'bf16')).toThrow(/f32ToBf16: 0.1 is not an f32 value/);
    expect(() => roundToDType(1, 'f8e5m2')).toThrow(/roundToDType: casting to f8e5m2 needs an overflow mode/);
  });

  it('casts to integers by truncating toward zero, saturating, and mapping NaN to 0', () => {
    expect([2.9, -2.9, -0.5, 3e9, -3e9, Infinity, -Infinity, NaN].map((x) => roundToDType(x, 'i32'))).toEqual([
      2, -2, 0, 2147483647, -2147483648, 2147483647, -2147483648, 0,
    ]);
    expect([255.9, 256, -1, NaN].map((x) => roundToDType(x, 'u8'))).toEqual([255, 255, 0, 0]);
    expect([0, -0, 2, NaN].map((x) => roundToDType(x, 'bool'))).toEqual([0, 0, 1, 1]);
  });
});
