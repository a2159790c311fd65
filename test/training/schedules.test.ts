// The training schedules: warmup, hold and cosine decay of the learning rate, piecewise-constant factors, and
// DeepSeek-V3's schedules at their switch points.

import { describe, expect, it } from 'vitest';
import { deepseekV3Schedules, piecewiseConstant, warmupCosine } from '../../src/training/index.js';

describe('warmupCosine', () => {
  const lr = warmupCosine({ peak: 1, final: 0.1, warmup: 4, hold: 2, decay: 10 });

  it('rises linearly to the peak over the warmup, then holds', () => {
    expect([0, 1, 2, 3].map(lr)).toEqual([0.25, 0.5, 0.75, 1]);
    expect([4, 5, 6].map(lr)).toEqual([1, 1, 1]);
  });

  it('follows a cosine from peak to final, then stays at final', () => {
    expect(lr(6 + 5)).toBeCloseTo(0.55, 15);
    expect(lr(6 + 9)).toBeCloseTo(0.1 + 0.45 * (1 + Math.cos((Math.PI * 9) / 10)), 15);
    expect([16, 17, 1000].map(lr)).toEqual([0.1, 0.1, 0.1]);
    for (let s = 6; s < 16; s++) expect(lr(s + 1)).toBeLessThan(lr(s));
  });

  it('refuses a step that is not a count', () => {
    expect(() => lr(-1)).toThrow(/step must be an integer >= 0, got -1/);
    expect(() => lr(1.5)).toThrow(/got 1.5/);
  });
});

describe('piecewiseConstant', () => {
  it('switches value at each start', () => {
    const s = piecewiseConstant([0, 3, 5], [0.3, 0.1, 0]);
    expect([0, 2, 3, 4, 5, 99].map(s)).toEqual([0.3, 0.3, 0.1, 0.1, 0, 0]);
  });

  it('refuses starts that do not ascend from 0', () => {
    expect(() => piecewiseConstant([1], [0.3])).toThrow(/must ascend from 0/);
    expect(() => piecewiseConstant([0, 2, 2], [1, 2, 3])).toThrow(/must ascend from 0/);
  });
});

describe("DeepSeek-V3's schedules", () => {
  // 1e9 tokens per step: 10T tokens are step 10,000, 14.3T step 14,300, 333B more step 14,633.
  const v3 = deepseekV3Schedules(1e9);

  it('warms the learning rate up over 2K steps, holds 2.2e-4 to 10T tokens, decays to 2.2e-5 by 14.3T, then 7.3e-6', () => {
    expect(v3.lr(0)).toBeCloseTo(2.2e-4 / 2000, 18);
    expect(v3.lr(1999)).toBe(2.2e-4);
    expect(v3.lr(9999)).toBe(2.2e-4);
    expect(v3.lr(10_000 + 2150)).toBeCloseTo((2.2e-4 + 2.2e-5) / 2, 15);
    expect(v3.lr(14_300)).toBe(2.2e-5);
    expect(v3.lr(14_632)).toBe(2.2e-5);
    expect(v3.lr(14_633)).toBe(7.3e-6);
  });

  it('takes lambda 0.3 then 0.1, gamma 0.001 then 0, alpha 1e-4 throughout', () => {
    expect([v3.mtpLambda(9999), v3.mtpLambda(10_000)]).toEqual([0.3, 0.1]);
    expect([v3.biasGamma(14_299), v3.biasGamma(14_300)]).toEqual([0.001, 0]);
    expect([v3.balanceAlpha(0), v3.balanceAlpha(20_000)]).toEqual([1e-4, 1e-4]);
  });
});
