// The tolerances for comparing against the f32 goldens (spec/golden/README.md, "Measured f32 error"): about 5x the
// worst error measured between independent implementations, and still far below the smallest semantic mistake.

/** Logits, hidden states, block outputs and caches: |a - b| <= abs + rel·|b|. */
export const F32_TOLERANCE = { abs: 2e-5, rel: 1e-5 } as const;

/** Routing weights, matched by expert: |a - b| <= this. */
export const GATE_WEIGHT_TOLERANCE = 1e-5;

export const f32Bound = (expected: number): number => F32_TOLERANCE.abs + F32_TOLERANCE.rel * Math.abs(expected);

export const describeF32Tolerance = (): string => `${F32_TOLERANCE.abs} + ${F32_TOLERANCE.rel}·|b|`;
