// The speculative acceptance rule on its own (speculative-sampling.ts): greedy accepts exactly the argmax prefix;
// sampled, the tokens it emits follow the main model's distribution whatever the drafter's (chi-square at
// significance 0.001, fixed seeds), through every path: a draft accepted, a rejection and the residual draw, and
// the token after all drafts.

import { describe, expect, it } from 'vitest';
import { GREEDY, Sampler, tokenProbabilities, type SamplingOptions } from '../../src/models/deepseek/sampling.js';
import { chooseDraft, judgeDrafts } from '../../src/models/deepseek/speculative-sampling.js';
import { mulberry32 } from '../../src/numerics/index.js';
import { chiSquareTest } from '../support/chi-square.js';

const V = 6;

/** Logits of V tokens drawn from N(0, spread²)-ish uniform values, from `random`. */
const randomLogits = (random: () => number, spread: number): number[] => Array.from({ length: V }, () => (random() - 0.5) * 2 * spread);

describe('judgeDrafts', () => {
  it('greedy accepts the drafts that are the argmax, then gives the argmax', () => {
    const target = [[0, 3, 1], [5, 0, 0], [0, 0, 2]];
    const sampler = new Sampler(GREEDY, 3);
    expect(judgeDrafts(sampler, target, [{ token: 1 }, { token: 0 }])).toEqual({ accepted: 2, tokens: [1, 0, 2] });
    expect(judgeDrafts(sampler, target, [{ token: 1 }, { token: 2 }])).toEqual({ accepted: 1, tokens: [1, 0] });
    expect(judgeDrafts(sampler, target, [{ token: 2 }, { token: 0 }])).toEqual({ accepted: 0, tokens: [1] });
    expect(() => judgeDrafts(sampler, target, [{ token: 1 }])).toThrow(/judging 1 drafts needs 2 rows of logits, got 3/);
  });

  for (const [name, sampling] of [
    ['temperature 1', { temperature: 1, seed: 11 }],
    ['temperature 0.7, top-k 4, top-p 0.9', { temperature: 0.7, topK: 4, topP: 0.9, seed: 12 }],
  ] as [string, SamplingOptions][]) {
    it(`keeps the main model's distribution (${name})`, () => {
      const random = mulberry32(sampling.seed);
      const SAMPLES = 30_000;
      // Two drafts; the main model's logits are far from the drafter's, so all paths are taken often.
      const target = [0, 1, 2].map(() => randomLogits(random, 2));
      const draftLogits = [0, 1].map(() => randomLogits(random, 2));
      const sampler = new Sampler(sampling, V);
      const first = new Array<number>(V).fill(0);
      const second = new Array<number>(V).fill(0);
      const third = new Array<number>(V).fill(0);
      const paths = [0, 0, 0];
      for (let i = 0; i < SAMPLES; i++) {
        const drafts = draftLogits.map((l) => chooseDraft(sampler, l));
        const j = judgeDrafts(sampler, target, drafts);
        paths[j.accepted]!++;
        first[j.tokens[0]!]!++;
        if (j.tokens.length > 1) second[j.tokens[1]!]!++;
        if (j.tokens.length > 2) third[j.tokens[2]!]!++;
      }
      // Position i's token, given that the row got that far, follows p_i (here p_i does not depend on earlier tokens).
      [first, second, third].forEach((counts, i) => {
        const r = chiSquareTest(counts, Array.from(tokenProbabilities(target[i]!, sampling)), 0.001);
        expect(r.pass, `position ${i}: chi-square ${r.statistic.toFixed(1)} > ${r.critical.toFixed(1)} (df ${r.df})`).toBe(true);
      });
      expect(Math.min(...paths)).toBeGreaterThan(SAMPLES / 50);
    });
  }

  it('never emits a token the main model rules out (top-k)', () => {
    const sampling = { temperature: 1, topK: 2, seed: 3 };
    const sampler = new Sampler(sampling, V);
    const target = [[5, 4, 0, 0, 0, 0], [0, 0, 0, 0, 5, 4]];
    for (let i = 0; i < 500; i++) {
      const j = judgeDrafts(sampler, target, [chooseDraft(new Sampler({ temperature: 1, seed: i }, V), [0, 0, 0, 0, 0, 0])]);
      expect([0, 1]).toContain(j.tokens[0]);
      if (j.tokens.length > 1) expect([4, 5]).toContain(j.tokens[1]);
    }
  });
});
