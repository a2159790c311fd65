// The limited-precision accumulator model (src/numerics/fp8-accumulation.ts): its truncation, its promotion, that
// with full precision and N_C = 128 it is the FP8 GEMM's promoted accumulation, and that promotion pays off.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { limitedDot, limitedGemm } from '../../src/numerics/fp8-accumulation.js';
import { E4M3_VALUES, fp8Gemm } from './naive-fp8.js';

describe('limited-precision accumulation', () => {
  it('truncates the running sum toward zero to the kept mantissa bits, and promotes every interval', () => {
    const p = [1, 0.25, 0.25];
    const ones = [1, 1, 1];
    expect(limitedDot(p, 0, ones, 0, 3, { mantissaBits: 1, interval: Infinity })).toBe(1);
    expect(limitedDot(p.map((v) => -v), 0, ones, 0, 3, { mantissaBits: 1, interval: Infinity })).toBe(-1);
    expect(limitedDot(p, 0, ones, 0, 3, { mantissaBits: 2, interval: Infinity })).toBe(1.5);
    expect(limitedDot(p, 0, ones, 0, 3, { mantissaBits: 1, interval: 1 })).toBe(1.5);
    expect(limitedDot([2 ** 30, 1, 1], 0, ones, 0, 3, { mantissaBits: 23, interval: 2 })).toBe(2 ** 30);
  });

  it('with 52 bits and N_C = 128 is the promoted accumulation of the FP8 GEMM (all scales 1)', () => {
    const codes = fc.array(fc.integer({ min: 0, max: 253 }), { minLength: 1, maxLength: 700 });
    fc.assert(
      fc.property(codes, codes, (x, y) => {
        const K = Math.min(x.length, y.length);
        const bytes = (c: number[]) => Uint8Array.from(c.slice(0, K), (v) => (v >= 127 ? 0x80 | (v - 127) : v));
        const values = (b: Uint8Array) => Array.from(b, (v) => (v & 0x80 ? -E4M3_VALUES[v & 0x7f]! : E4M3_VALUES[v]!));
        const [a, b] = [bytes(x), bytes(y)];
        const kb = Math.ceil(K / 128);
        const want = fp8Gemm(a, new Float32Array(kb).fill(1), b, new Float32Array(kb).fill(1), 1, 1, K, 128)[0];
        expect(limitedDot(values(a), 0, values(b), 0, K, { mantissaBits: 52, interval: 128 })).toBe(want);
      }),
    );
  });

  it('loses far more without promotion than with it (14 bits, K = 2048)', () => {
    const K = 2048;
    let s = 7;
    const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
    const a = Float32Array.from({ length: 4 * K }, () => E4M3_VALUES[Math.floor(Math.abs(next()) * 64)]! * Math.sign(next()));
    const exact = Array.from({ length: 16 }, (_, i) => a.slice((i >> 2) * K, ((i >> 2) + 1) * K).reduce((t, v, k) => t + v * a[(i & 3) * K + k]!, 0));
    const err = (interval: number) => {
      const y = limitedGemm(a, a, 4, 4, K, { mantissaBits: 14, interval });
      return Math.max(...exact.map((e, i) => Math.abs(y[i]! - e))) / Math.max(...exact.map(Math.abs));
    };
    expect(err(Infinity)).toBeGreaterThan(10 * err(128));
  });

  it('rejects models it cannot run', () => {
    expect(() => limitedDot([1], 0, [1], 0, 1, { mantissaBits: 0, interval: 128 })).toThrow(/mantissaBits must be an integer in \[1, 52\], got 0/);
    expect(() => limitedDot([1], 0, [1], 0, 1, { mantissaBits: 14, interval: 0 })).toThrow(/interval must be a positive integer or Infinity, got 0/);
    expect(() => limitedGemm([1], [1, 2], 1, 1, 1, { mantissaBits: 14, interval: 1 })).toThrow(/expected \[1, 1\] and \[1, 1\]/);
  });
});
