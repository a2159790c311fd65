// The one table of how closely a backend must reproduce the op-by-op oracle (spec/ops.md), per op class and dtype.
// Every entry is a *local* allowance: what one op may add on top of the correctly rounded result of its operands.
// bounds.ts carries these allowances through a graph as per-element intervals, so a graph's tolerance is derived
// from this table and never set by hand. Everything not listed is exact: movement, indexing, sources, casts
// (every fp8/bf16/f16 rounding included), comparisons, selection, max/min, neg/abs, floor/ceil, integer and bool
// ops, and scatter_add (its additions are ordered and correctly rounded).
//
// The numbers are WGSL's accuracy guarantees (the weakest a conforming WebGPU device gives), except where the
// comment says otherwise; the CPU backends are exact against the oracle. The golden tolerances of the model
// (src/models/deepseek/verify/tolerance.ts) answer a different question: distance from a PyTorch run.

import type { DType } from '../ir/index.js';

/** The unit roundoff of f32 accumulation: each addition of a sum may be off by this fraction of the partial sum. */
export const F32_UNIT_ROUNDOFF = 2 ** -24;

export const TOLERANCE = {
  /**
   * A product that feeds an addition may be fused with it (FMA), skipping the product's rounding: half an ulp of
   * the product on the addition's operand. add and sub themselves are correctly rounded (exact given exact operands).
   * Nothing else spans two ops: no reassociation, distribution or cancellation (spec/ops.md, *Order of evaluation*;
   * WebGPU's renderer keeps its shader compiler from them, and from this fusion too, with `barrier_f32`).
   */
  fusedProductUlps: 0.5,
  /** div and recip (1/x): WGSL's 2.5 ulp. */
  divisionUlps: 2.5,
  /** WGSL defines sqrt as 1/inverseSqrt: 2 ulp for inverseSqrt and 2.5 for the division, rounded up. */
  sqrtUlps: 5,
  /** exp and exp2: WGSL's 3 + 2·|x| ulp; exp2 of an integer is exact (spec/ops.md: the FP8 scales rely on it). */
  exponentialUlps: (x: number) => 3 + 2 * Math.abs(x),
  /** log and log2: WGSL's 3 ulp outside [0.5, 2] and absolute 2^-21 inside; log2(2^n) is exact (spec/ops.md). */
  logarithmUlps: 3,
  logarithmAbsoluteNearOne: 2 ** -21,
  /**
   * sin and cos: WGSL's absolute 2^-11 on [-π, π]; beyond it WGSL promises nothing, and we allow what reducing the
   * argument by 2π in f32 costs (|x|·2^-23). SwiftShader's reach 1.9e-4 on [-100, 100].
   */
  trigonometricAbsolute: (x: number) => 2 ** -11 + Math.abs(x) * 2 ** -23,
  /**
   * reduce_sum and cumsum over n terms, and contractions over K, accumulated in f32 in any order: off by
   * terms(n)·u·Σ|term| (u the f32 unit roundoff). The worst case is n; with rounding errors independent and of mean
   * zero it is λ·√n except with probability 2·exp(-λ²/2) (Higham and Mary, "A new approach to probabilistic
   * rounding error analysis", 2019), and λ = 6 makes that 3e-8. The oracle's own final rounding fits inside.
   */
  accumulationTerms: (n: number) => Math.min(n, 6 * Math.sqrt(n)),
  accumulationUnit: F32_UNIT_ROUNDOFF,
  /**
   * The sign of a sum of one or more terms that comes out zero is not specified (spec/ops.md, *Reductions*): it
   * depends on the order, the precision and fused products (x + (−x) is +0 in f32; an FMA, or the reference's
   * float64 sum, gives an underflowing product's sign; an accumulator starting from −0 keeps −0 + −0). Such a
   * zero is bound by the least f32, so that the rules after it see an interval holding both zeros (recip and div
   * by it undetermined, a cast that keeps the sign not exact). A sum with more terms already has a larger bound.
   */
  zeroOfEitherSign: 2 ** -149,
  /**
   * WGSL lets a device flush subnormal f32 operands and results of arithmetic to zero (SwiftShader does, lavapipe
   * does not). Magnitudes below this may read or come out as zero; it is twice the smallest normal because exp's
   * 2^k factor may pass through a subnormal on the way to a result just above it. Conversions never flush.
   */
  flushBelow: 2 ** -125,
} as const;

interface FloatFormat {
  /** Stored fraction bits. */
  readonly mantissa: number;
  /** Exponent of the smallest normal. */
  readonly minExponent: number;
}

const FORMATS: Readonly<Partial<Record<DType, FloatFormat>>> = {
  f32: { mantissa: 23, minExponent: -126 },
  f16: { mantissa: 10, minExponent: -14 },
  bf16: { mantissa: 7, minExponent: -126 },
  f8e4m3fn: { mantissa: 3, minExponent: -6 },
  f8e5m2: { mantissa: 2, minExponent: -14 },
};

/** The gap between representable values of float `dtype` at magnitude |x| (the subnormal gap below the normals). */
export function ulp(dtype: DType, x: number): number {
  const f = FORMATS[dtype];
  if (!f) throw new Error(`ulp: ${dtype} is not a float dtype`);
  const magnitude = Math.abs(x);
  const exponent = magnitude === 0 || !Number.isFinite(magnitude) ? f.minExponent : Math.max(Math.floor(Math.log2(magnitude)), f.minExponent);
  return 2 ** (exponent - f.mantissa);
}
