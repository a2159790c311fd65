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

export class Sampler {
  private readonly random: () => number;

  constructor(
    readonly options: SamplingOptions,
    vocabSize: number,
  ) {
    checkSampling(options, vocabSize);
    this.random = mulberry32(options.seed);
  }

  /** The next token for one row of logits. */
  next(logits: ArrayLike<number>): number {
    for (let i = 0; i < logits.length; i++) if (Number.isNaN(logits[i])) throw new RangeError(`logit ${i} is NaN; cannot choose a token`);
    const order = Array.from({ length: logits.length }, (_, i) => i).sort((a, b) => logits[b]! - logits[a]! || a - b);
    if (this.options.temperature === 0) return order[0]!;
    const candidates = order.slice(0, this.options.topK ?? order.length);
    const top = logits[candidates[0]!]!;
    const weights = candidates.map((i) => Math.exp((logits[i]! - top) / this.options.temperature));
    const total = weights.reduce((s, w) => s + w, 0);
    let kept = weights.length;
    if (this.options.topP !== undefined) {
      let cumulative = 0;
      kept = weights.findIndex((w) => (cumulative += w / total) >= this.options.topP!) + 1 || weights.length;
    }
    const keptTotal = weights.slice(0, kept).reduce((s, w) => s + w, 0);
    let u = this.random() * keptTotal;
    for (let j = 0; j < kept - 1; j++) if ((u -= weights[j]!) < 0) return candidates[j]!;
    return candidates[kept - 1]!;
  }
}
