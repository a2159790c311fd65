// Fine-grained FP8 activation quantization (DeepSeek's act_quant): per 1×block tile of the last axis,
// amax = max|x| clamped to >= 1e-4, s = amax / 448, optionally rounded up to a power of two (ue8m0),
// q = e4m3fn(x / s) saturating. Every step is one f32 operation, which reproduces torch bit for bit.

import { FP8_AMAX_FLOOR } from '../numerics/index.js';
import { abs, ceil, div, exp2, log2, maximum } from '../ops/arith.js';
import { cast } from '../ops/cast.js';
import { reshape } from '../ops/movement.js';
import { max } from '../ops/reduce.js';
import type { Tensor } from '../ops/tensor.js';
import { composite } from './define.js';

/** How FP8 scales are stored: plain f32 amax / 448, or rounded up to a power of two (ue8m0). */
export const SCALE_FORMATS = ['none', 'ue8m0'] as const;

export type ScaleFormat = (typeof SCALE_FORMATS)[number];

/** The largest finite e4m3fn value: a scale maps its tile's amax to it. */
export const FP8_E4M3_MAX = 448;

/** amax (already floored) -> the scale of its tile or block, in `scaleFmt`. */
export function fp8Scale(amax: Tensor, scaleFmt: ScaleFormat): Tensor {
  const s = div(amax, FP8_E4M3_MAX);
  return scaleFmt === 'ue8m0' ? exp2(ceil(log2(s))) : s;
}

/** x [..., K] -> [q e4m3fn [..., K], scales f32 [..., K / block]], one scale per 1×block tile of the last axis. */
function quantizeTiles(x: Tensor, block: number, scaleFmt: ScaleFormat): Tensor[] {
  const k = x.shape[x.rank - 1]!;
  const tiles = reshape(x, [...x.shape.slice(0, -1), k / block, block]);
  const s = fp8Scale(maximum(max(abs(tiles), -1, true), FP8_AMAX_FLOOR), scaleFmt);
  const q = cast(div(tiles, s), 'f8e4m3fn', 'saturate');
  return [reshape(q, x.shape), reshape(s, [...x.shape.slice(0, -1), k / block])];
}

export const FP8_QUANTIZE = composite('fp8_quantize', {
  attrs: { block: { kind: 'int' }, scale_fmt: { kind: 'enum', values: SCALE_FORMATS } },
  operands: ['x'],
  results: ['q', 'scale'],
  decompose: ([x], { block, scale_fmt }) => quantizeTiles(x!, block, scale_fmt),
});
