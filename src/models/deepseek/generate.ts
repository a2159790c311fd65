// Autoregressive generation on a Session: the prompts as one chunk, then one token per row per step.
// Rows finish at a stop token (which ends their output) or after maxNew tokens. A finished row keeps its batch
// slot until every row is done: it is fed its last token again and whatever it computes is discarded, so it
// emits nothing more. Row b samples from its own PRNG stream (seed + b), so its tokens do not depend on when other
// rows stop. Prompts in one batch have the same length (the session keeps one position for all rows).

import type { TensorData } from '../../ir/index.js';
import { nonFiniteElement } from './non-finite.js';
import { Sampler, type SamplingOptions } from './sampling.js';
import type { ForwardResult, ModelSession } from './session.js';

export interface GenerateOptions {
  readonly maxNew: number;
  readonly sampling: SamplingOptions;
  /** Token ids that end a row; the stop token is the last token of that row's output. */
  readonly stop?: readonly number[];
  /** Called with each new token as soon as it is chosen, in row order within a step (to stream the output). */
  readonly onToken?: (row: number, id: number) => void;
  /** Called with the result of every chunk the session runs, as it comes (for its compile time, say). */
  readonly onForward?: (r: ForwardResult) => void;
}

/** The cache positions generating `maxNew` tokens after a `promptLength`-token prompt takes: the last new token is never fed back. */
export const generationPositions = (promptLength: number, maxNew: number): number => promptLength + maxNew - 1;

/**
 * A step computed logits that are not finite, so no token can be chosen. `steps` are the token chunks fed so far,
 * the last one the failing step: what first-non-finite.ts replays to name the value that went non-finite first.
 */
export class NonFiniteLogits extends Error {
  override name = 'NonFiniteLogits';
  constructor(
    message: string,
    readonly steps: readonly (readonly (readonly number[])[])[],
  ) {
    super(message);
  }
}

/** Row b's logits at chunk position s (default: the last) [vocab]. */
export function rowLogits(logits: TensorData, b: number, s = logits.shape[1]! - 1): TensorData['data'] {
  const [, S, V] = logits.shape as [number, number, number];
  return logits.data.subarray((b * S + s) * V, (b * S + s + 1) * V);
}

/** Checks `o` against the session (stop ids, cache room for the prompts and maxNew tokens); returns each row's Sampler (seed + b). */
export function generationSamplers(session: ModelSession, prompts: readonly (readonly number[])[], o: GenerateOptions): Sampler[] {
  const { vocabSize } = session.model.config;
  const { maxSeqLen } = session;
  if (!Number.isSafeInteger(o.maxNew) || o.maxNew < 1) throw new RangeError(`maxNew must be a positive integer, got ${o.maxNew}`);
  for (const id of o.stop ?? []) if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new RangeError(`stop token ${id} is out of range: vocab_size is ${vocabSize}`);
  const promptLen = prompts[0]?.length ?? 0;
  const needed = session.position + generationPositions(promptLen, o.maxNew);
  if (needed > maxSeqLen)
    throw new RangeError(`a ${promptLen}-token prompt at position ${session.position} plus ${o.maxNew} new tokens needs ${needed} cache positions; maxSeqLen is ${maxSeqLen}`);
  return prompts.map((_, b) => new Sampler({ ...o.sampling, seed: o.sampling.seed + b }, vocabSize));
}

/** Generates up to `maxNew` tokens after `prompts`; returns each row's new tokens. */
export async function generate(session: ModelSession, prompts: readonly (readonly number[])[], o: GenerateOptions): Promise<number[][]> {
  const samplers = generationSamplers(session, prompts, o);
  const stop = new Set(o.stop ?? []);
  const out: number[][] = prompts.map(() => []);
  const done = prompts.map(() => false);
  const steps: (readonly (readonly number[])[])[] = [prompts];
  const forward = async (rows: readonly (readonly number[])[]): Promise<ForwardResult> => {
    const r = await session.forward(rows);
    o.onForward?.(r);
    return r;
  };
  let { logits } = await forward(prompts);
  for (;;) {
    const next = prompts.map((_, b) => {
      if (done[b]) return out[b]!.at(-1)!;
      const row = rowLogits(logits, b);
      const bad = nonFiniteElement({ dtype: logits.dtype, shape: [row.length], data: row });
      if (bad !== undefined) throw new NonFiniteLogits(`${steps.length === 1 ? 'the prefill' : `decode step ${steps.length - 2}`} computed logits that are not finite: row ${b} holds ${bad}`, steps);
      const id = samplers[b]!.next(row);
      out[b]!.push(id);
      o.onToken?.(b, id);
      done[b] = stop.has(id) || out[b]!.length === o.maxNew;
      return id;
    });
    if (done.every(Boolean)) return out;
    steps.push(next.map((id) => [id]));
    ({ logits } = await forward(steps.at(-1)!));
  }
}
