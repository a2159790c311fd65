// FP8 weights in square blocks (DeepSeek's 128x128 layout over the last two axes): quantization with one f32
// scale per block, dequantization with `weight_scale_inv` as a multiplier. Blocks at the bottom and right edges
// may be partial; they are scaled by their own elements only.

import { FP8_AMAX_FLOOR } from '../numerics/index.js';
import { abs, div, maximum, mul } from '../ops/arith.js';
import { blockCount, expandBlocks } from '../ops/blocks.js';
import { cast } from '../ops/cast.js';
import { pad, reshape } from '../ops/movement.js';
import { max } from '../ops/reduce.js';
import type { Tensor } from '../ops/tensor.js';
import { composite } from './define.js';
import { fp8Scale, SCALE_FORMATS } from './fp8-quantize.js';

/** Per-block scales of the last two axes repeated to every element: [..., RB, CB] -> [..., R, C]. */
const elementScales = (s: Tensor, rows: number, cols: number, block: number): Tensor =>
  expandBlocks(expandBlocks(s, s.rank - 1, cols, block), s.rank - 2, rows, block);

export const FP8_BLOCK_DEQUANTIZE = composite('fp8_block_dequantize', {
  attrs: { block: { kind: 'int' } },
  operands: ['w', 'scale_inv'],
  results: ['y'],
  decompose: (inputs, { block }) => {
    const [w, s] = inputs as [Tensor, Tensor];
    const [rows, cols] = w.shape.slice(-2) as [number, number];
    return [mul(cast(w, 'f32'), elementScales(s, rows, cols, block))];
  },
});

export const FP8_BLOCK_QUANTIZE = composite('fp8_block_quantize', {
  attrs: { block: { kind: 'int' }, scale_fmt: { kind: 'enum', values: SCALE_FORMATS } },
  operands: ['w'],
  results: ['q', 'scale_inv'],
  decompose: (inputs, { block, scale_fmt }) => {
    const [w] = inputs as [Tensor];
    const lead = w.shape.slice(0, -2);
    const [rows, cols] = w.shape.slice(-2) as [number, number];
    const [rb, cb] = [blockCount(rows, block), blockCount(cols, block)];
    // Zero padding leaves every block's amax unchanged (the floor keeps all-zero blocks at 1e-4).
    const padded = pad(abs(w), lead.map(() => 0).concat(0, 0), lead.map(() => 0).concat(rb * block - rows, cb * block - cols));
    const blocks = reshape(padded, [...lead, rb, block, cb, block]);
    const s = fp8Scale(maximum(max(blocks, [lead.length + 1, lead.length + 3]), FP8_AMAX_FLOOR), scale_fmt);
    return [cast(div(w, elementScales(s, rows, cols, block)), 'f8e4m3fn', 'saturate'), s];
  },
});
