// Square blocks over the last axes of a tensor (DeepSeek's FP8 layouts): how many blocks cover an axis, the shape
// of one value per block, and per-block values repeated to every element they cover. Blocks at the far edges may
// be partial.

import { div } from './arith.js';
import { iota } from './creation.js';
import { take } from './indexing.js';
import type { Tensor } from './tensor.js';

/** Throws unless `block` is a valid block size for `op`. */
export function checkBlock(op: string, block: number): void {
  if (!Number.isSafeInteger(block) || block < 1) throw new RangeError(`${op}: block size ${block} must be a positive integer`);
}

/** How many blocks of `block` cover `n` elements. */
export const blockCount = (n: number, block: number): number => Math.ceil(n / block);

/** The shape of the block scales for a tensor of `shape`: [..., ceil(R / block), ceil(C / block)]. */
export const blockScaleShape = (shape: readonly number[], block: number): number[] => [
  ...shape.slice(0, -2),
  ...shape.slice(-2).map((n) => blockCount(n, block)),
];

/** Repeats each entry of `s` along `axis` for the `block` elements it scales, cut to `n`: [.., ceil(n/block), ..] -> [.., n, ..]. */
export function expandBlocks(s: Tensor, axis: number, n: number, block: number): Tensor {
  return take(s, div(iota(s, [n], 0, 'i32'), block), axis);
}
