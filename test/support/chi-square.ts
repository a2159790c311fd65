// Pearson's chi-square goodness-of-fit test, for checking that sampled tokens follow a distribution.

/** Standard normal quantiles for the significance levels the tests use. */
const Z: Readonly<Record<string, number>> = { '0.01': 2.3263, '0.001': 3.0902 };

/** The chi-square value above which `df` degrees of freedom reject at `alpha` (Wilson-Hilferty: within 2 % of the exact value for df >= 3). */
export function chiSquareCritical(df: number, alpha: 0.01 | 0.001): number {
  const z = Z[String(alpha)]!;
  const v = 2 / (9 * df);
  return df * (1 - v + z * Math.sqrt(v)) ** 3;
}

export interface ChiSquareResult {
  readonly statistic: number;
  readonly df: number;
  readonly critical: number;
  readonly pass: boolean;
}

/**
 * Tests `counts` (per category) against the probabilities `expected` (summing to 1) at significance `alpha`.
 * Categories expected fewer than 5 times are pooled into one, as the test needs; a count in a category of
 * probability 0 fails outright.
 */
export function chiSquareTest(counts: readonly number[], expected: readonly number[], alpha: 0.01 | 0.001): ChiSquareResult {
  const n = counts.reduce((s, c) => s + c, 0);
  const cells: { observed: number; expected: number }[] = [];
  const pooled = { observed: 0, expected: 0 };
  counts.forEach((c, i) => {
    const e = n * expected[i]!;
    if (e === 0 && c > 0) pooled.expected = -Infinity;
    if (e >= 5) cells.push({ observed: c, expected: e });
    else Object.assign(pooled, { observed: pooled.observed + c, expected: pooled.expected + e });
  });
  if (pooled.expected === -Infinity) return { statistic: Infinity, df: cells.length, critical: 0, pass: false };
  if (pooled.expected > 0) cells.push(pooled);
  const statistic = cells.reduce((s, c) => s + (c.observed - c.expected) ** 2 / c.expected, 0);
  const df = cells.length - 1;
  const critical = chiSquareCritical(df, alpha);
  return { statistic, df, critical, pass: statistic <= critical };
}
