// The numbers of DeepSeek's FP8 scale recipe (spec/dtypes.md §FP8 scales): the amax floor, and the ue8m0 rounding
// s -> 2^ceil(log2 s) as the reference computes it, with log2 evaluated in float64 and rounded to f32 before the
// ceil. That rounding is not the exact ceil: for s a few ulps above a power of two 2^e, log2 s rounds down to e, so
// s maps to 2^e. Backends without the reference's log2 (WebGPU's is approximate) reproduce it from a table of the
// largest mantissa that still maps down, per exponent (ue8m0Limits).

import { f32FromBits } from './f32-bits.js';

/** The smallest amax a scale is computed from, so an all-zero tile or block gets a finite, nonzero scale. */
export const FP8_AMAX_FLOOR = 1e-4;

/** The ue8m0 scale of a positive f32 scale s: fround(2^ceil(fround(log2 s))), the reference's exp2(ceil(log2 s)). */
export const ue8m0Scale = (s: number): number => Math.fround(2 ** Math.ceil(Math.fround(Math.log2(s))));

const MANTISSA_MASK = 0x7fffff;

/**
 * Per biased exponent E of a normal positive f32 s (1 ... 254): the largest mantissa field for which
 * ue8m0Scale(s) = 2^(E - 127); every larger mantissa gives 2^(E - 126). Entries 0 and 255 are 0 (unused).
 * A binary search over each binade, which assumes the mapping is monotone there; the exhaustive check
 * (test/exhaustive/ue8m0-limits.ts) confirms the table on every normal positive f32.
 */
export function ue8m0Limits(): Uint32Array {
  const limits = new Uint32Array(256);
  for (let e = 1; e < 255; e++) {
    const down = 2 ** (e - 127);
    let [lo, hi] = [0, MANTISSA_MASK];
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (ue8m0Scale(f32FromBits((e << 23) | mid)) === down) lo = mid;
      else hi = mid - 1;
    }
    limits[e] = lo;
  }
  return limits;
}

