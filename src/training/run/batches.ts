// The batches of a training run, drawn deterministically: step s (from 0) takes `batch` rows of `seqLen` consecutive
// tokens, each starting at an offset drawn uniformly from the stream of (seed, s). A batch depends on nothing but
// the seed and the step, so a resumed run needs no generator state: the step it resumes at is its data position.

import { mulberry32Bits } from '../../numerics/index.js';

export interface BatchShape {
  readonly batch: number;
  readonly seqLen: number;
}

/** Throws unless `tokens` holds at least one row of `seqLen` tokens; `where` names the data. */
export function checkBatchable(where: string, tokens: ArrayLike<number>, { seqLen }: BatchShape): void {
  if (tokens.length < seqLen) throw new Error(`${where}: ${tokens.length} tokens, too few for one row of ${seqLen} (--seq); give more data or a shorter --seq`);
}

/** A 32-bit seed for step `step` of a run seeded `seed` (a multiplicative hash of both). */
const stepSeed = (seed: number, step: number): number => (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b)) >>> 0;

/** The rows of step `step`: `batch` windows of `seqLen` tokens. */
export function batchAt(tokens: ArrayLike<number>, seed: number, step: number, shape: BatchShape): number[][] {
  checkBatchable('the training data', tokens, shape);
  const starts = tokens.length - shape.seqLen + 1;
  const bits = mulberry32Bits(stepSeed(seed, step));
  return Array.from({ length: shape.batch }, () => {
    // 53 random bits, so that the offsets of a long stream are uniform too.
    const u = (bits() * 2 ** 21 + (bits() >>> 11)) / 2 ** 53;
    const start = Math.floor(u * starts);
    return Array.from({ length: shape.seqLen }, (_, i) => tokens[start + i]!);
  });
}
