// The acceptance rule of speculative decoding, for one row (Leviathan et al. 2023, Chen et al. 2023): drafts d_1 ..
// d_D drawn from the drafter's distributions q_i are checked against the main model's distributions p_i at the same
// positions, in order. Draft d_i is accepted with probability min(1, p_i(d_i) / q_i(d_i)); at the first rejection
// the token is drawn from norm(max(0, p_i - q_i)) instead and the rest are dropped; when every draft is accepted,
// one more token is drawn from p_{D+1}. Each token so chosen is distributed as p given the tokens before it, so the
// output has the main model's distribution. Greedy decoding (temperature 0) is the case where p and q put all mass
// on their argmax: a draft is accepted exactly when it is the main model's argmax, and no random number is drawn.
// p and q are the distributions the Sampler's options give (temperature, top-k, top-p) for each model's logits.

import { tokenProbabilities, type Sampler } from './sampling.js';

export interface Draft {
  readonly token: number;
  /** The distribution the token was drawn from (sampling only; greedy drafts are the drafter's argmax). */
  readonly q?: Float64Array;
}

export interface Judgement {
  /** How many drafts were accepted, in order. */
  readonly accepted: number;
  /** The accepted drafts and then the token chosen after them: accepted + 1 tokens. */
  readonly tokens: number[];
}

/** A draft chosen from the drafter's logits as `sampler` would choose (its argmax when greedy). */
export function chooseDraft(sampler: Sampler, logits: ArrayLike<number>): Draft {
  if (sampler.options.temperature === 0) return { token: sampler.next(logits) };
  const q = tokenProbabilities(logits, sampler.options);
  return { token: sampler.draw(q), q };
}

/** Judges `drafts` against the main model's logits `target[i]` at each draft's position and one more (target.length = drafts.length + 1). */
export function judgeDrafts(sampler: Sampler, target: readonly ArrayLike<number>[], drafts: readonly Draft[]): Judgement {
  if (target.length !== drafts.length + 1) throw new RangeError(`judging ${drafts.length} drafts needs ${drafts.length + 1} rows of logits, got ${target.length}`);
  const tokens: number[] = [];
  const greedy = sampler.options.temperature === 0;
  for (const [i, d] of drafts.entries()) {
    if (greedy) {
      const best = sampler.next(target[i]!);
      if (best !== d.token) return { accepted: i, tokens: [...tokens, best] };
    } else {
      if (d.q === undefined) throw new RangeError(`draft ${i} has no distribution; sampling needs the one it was drawn from`);
      const p = tokenProbabilities(target[i]!, sampler.options);
      // u < p/q, written so that q(d) > 0 (d was drawn from q) never divides.
      if (!(sampler.uniform() * d.q[d.token]! < p[d.token]!)) return { accepted: i, tokens: [...tokens, sampler.draw(residual(p, d.q))] };
    }
    tokens.push(d.token);
  }
  return { accepted: drafts.length, tokens: [...tokens, sampler.next(target[drafts.length]!)] };
}

/** max(0, p - q), unnormalised; p itself where rounding leaves no mass (then p and q agree and rejection is all but impossible). */
function residual(p: Float64Array, q: Float64Array): Float64Array {
  const r = p.map((pi, i) => Math.max(0, pi - q[i]!));
  return r.some((x) => x > 0) ? r : p;
}
