// The ue8m0 table (numerics/fp8-scale.ts) against the CPU backends' exp2(ceil(log2 s)): in every binade, every
// mantissa up to well past the limit, the top of the binade, and a random sample. (test/exhaustive/ue8m0-limits.ts
// checks every normal positive f32, which proves the table; this is the quick version.)

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ue8m0Limits, ue8m0Scale } from '../../src/numerics/index.js';
import { f32Bits, f32FromBits } from '../../src/numerics/f32-bits.js';
import { cpuUe8m0, ue8m0FromLimits } from './ue8m0-definitions.js';

const limits = ue8m0Limits();
const MANTISSAS = 0x800000;

function mismatches(e: number, mantissas: Iterable<number>): string[] {
  const bad: string[] = [];
  for (const m of mantissas) {
    const bits = (e << 23) | m;
    const want = f32Bits(cpuUe8m0(f32FromBits(bits)));
    if (ue8m0FromLimits(bits, limits) !== want && bad.length < 5) bad.push(`0x${bits.toString(16)}: table 0x${ue8m0FromLimits(bits, limits).toString(16)}, cpu 0x${want.toString(16)}`);
  }
  return bad;
}

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

describe('ue8m0 scales', () => {
  it('ue8m0Scale is the CPU backends’ exp2(ceil(log2 s))', () => {
    fc.assert(fc.property(fc.integer({ min: 0x00800000, max: 0x7f7fffff }), (bits) => Object.is(ue8m0Scale(f32FromBits(bits)), cpuUe8m0(f32FromBits(bits)))));
  });

  it('round up to the next power of two except for a few ulps above one, where log2 rounds down first', () => {
    expect(limits[127]).toBe(0); // 1 + 2^-23 has log2 1.7e-7, an f32 of its own
    expect(Math.max(...limits)).toBeLessThan(64);
    expect(limits[127 - 22]).toBeGreaterThan(0); // s near 2^-22, the smallest act_quant scales (1e-4 / 448)
  });

  it('the table reproduces them around every limit, at the top of every binade and on a sample', () => {
    const sample = fc.sample(fc.integer({ min: 0, max: MANTISSAS - 1 }), 256);
    for (let e = 1; e < 255; e++) {
      const mantissas = [...range(0, limits[e]! + 4096), ...range(MANTISSAS - 256, MANTISSAS), ...sample];
      expect(mismatches(e, mantissas), `exponent field ${e}`).toEqual([]);
    }
  });
});
