// Choosing the next token from a row of logits: greedy (temperature 0) or sampling at a temperature, optionally
// restricted to the top k tokens and then to the top-p nucleus, from a small seeded PRNG so runs repeat exactly.

import { mulberry32 } from '../../numerics/index.js';

export interface SamplingOptions {
  /** 0 picks the most likely token (the lowest id on ties); > 0 samples from softmax(logits / temperature). */
  readonly temperature: number;
  /** Sample only among the k most likely tokens; undefined: all. */
  readonly topK?: number;
  /** Then only among the fewest most likely tokens whose probabilities add up to at least p; undefined: 1 (all). */
  readonly topP?: number;
  /** Seeds the PRNG; the same seed gives the same tokens. */
  readonly seed: number;
}

export const GREEDY: SamplingOptions = { temperature: 0, seed: 0 };

export function checkSampling(o: SamplingOptions, vocabSize: number): void {
  if (!Number.isFinite(o.temperature) || o.temperature < 0) throw new RangeError(`temperature must be a finite number >= 0, got ${o.temperature}`);
  if (o.topK !== undefined && (!Number.isSafeInteger(o.topK) || o.topK < 1 || o.topK > vocabSize))
    throw new RangeError(`top-k must be an integer in [1, ${vocabSize}] (vocab_size), got ${o.topK}`);
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) throw new RangeError(`top-p must be in (0, 1], got ${o.topP}`);
  if (!Number.isSafeInteger(o.seed)) throw new RangeError(`seed must be an integer, got ${o.seed}`);
}

/** The tokens sampling may choose for a row of logits, most likely first, with unnormalised weights (of sum `total`). */
interface Candidates {
  readonly ids: readonly number[];
  readonly weights: readonly number[];
  readonly total: number;
}

/** Greedy: the one most likely token (the lowest id on ties); sampling: the top-k, then top-p, candidates. */
function candidates(logits: ArrayLike<number>, o: SamplingOptions): Candidates {
  for (let i = 0; i < logits.length; i++) if (Number.isNaN(logits[i])) throw new RangeError(`logit ${i} is NaN; cannot choose a token`);
  const order = Array.from({ length: logits.length }, (_, i) => i).sort((a, b) => logits[b]! - logits[a]! || a - b);
  if (o.temperature === 0) return { ids: order.slice(0, 1), weights: [1], total: 1 };
  const ids = order.slice(0, o.topK ?? order.length);
  const top = logits[ids[0]!]!;
  const weights = ids.map((i) => Math.exp((logits[i]! - top) / o.temperature));
  let kept = weights.length;
  if (o.topP !== undefined) {
    const total = weights.reduce((s, w) => s + w, 0);
    let cumulative = 0;
    kept = weights.findIndex((w) => (cumulative += w / total) >= o.topP!) + 1 || weights.length;
  }
  const keptWeights = weights.slice(0, kept);
  return { ids: ids.slice(0, kept), weights: keptWeights, total: keptWeights.reduce((s, w) => s + w, 0) };
}

/**
 * The distribution a Sampler with options `o` draws from for `logits`, over the whole vocabulary (zero outside the
 * candidates; greedy: all mass on the argmax). Speculative sampling compares two of these.
 */
export function tokenProbabilities(logits: ArrayLike<number>, o: SamplingOptions): Float64Array {
  const { ids, weights, total } = candidates(logits, o);
  const p = new Float64Array(logits.length);
  ids.forEach((id, j) => (p[id] = weights[j]! / total));
  return p;
}

export class Sampler {
  private readonly random: () => number;

  constructor(
    readonly options: SamplingOptions,
    vocabSize: number,
  ) {
    checkSampling(options, vocabSize);
    this.random = mulberry32(options.seed);
  }

  /** The next token for one row of logits (greedy draws no random number). */
  next(logits: ArrayLike<number>): number {
    const { ids, weights, total } = candidates(logits, this.options);
    if (this.options.temperature === 0) return ids[0]!;
    let u = this.random() * total;
    for (let j = 0; j < ids.length - 1; j++) if ((u -= weights[j]!) < 0) return ids[j]!;
    return ids.at(-1)!;
  }

  /** A uniform number in [0, 1) from this row's stream. */
  uniform(): number {
    return this.random();
  }

  /** A token drawn from the distribution `p` (non-negative weights over the vocabulary, not all zero), by id order. */
  draw(p: ArrayLike<number>): number {
    let total = 0;
    let last = -1;
    for (let i = 0; i < p.length; i++) {
      if (p[i]! > 0) last = i;
      total += p[i]!;
    }
    if (!(total > 0)) throw new RangeError('cannot draw a token from a distribution with no mass');
    let u = this.random() * total;
    for (let i = 0; i < last; i++) if ((u -= p[i]!) < 0) return i;
    return last;
  }
}
