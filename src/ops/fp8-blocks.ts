// FP8 weights in square blocks (DeepSeek's 128x128 layout over the last two axes): quantization with one f32
// scale per block, dequantization with `weight_scale_inv` as a multiplier. Blocks at the bottom and right edges
// may be partial; they are scaled by their own elements only.

import { defineComposite, IRError } from '../ir/index.js';
import { FP8_AMAX_FLOOR } from '../numerics/index.js';
import { abs, ceil, div, exp2, log2, maximum, mul } from './arith.js';
import { cast } from './cast.js';
import { iota } from './creation.js';
import { FP8_E4M3_MAX, type ScaleFormat } from './fp8.js';
import { take } from './indexing.js';
import { pad, reshape } from './movement.js';
import { max } from './reduce.js';
import { compose, wrap, type Tensor } from './tensor.js';
import { typed } from './typed.js';

/** How many blocks of `block` cover `n` elements. */
export const blockCount = (n: number, block: number): number => Math.ceil(n / block);

/** Repeats each entry of `s` along `axis` for the `block` elements it scales, cut to `n`: [.., ceil(n/block), ..] -> [.., n, ..]. */
export function expandBlocks(s: Tensor, axis: number, n: number, block: number): Tensor {
  return take(s, div(iota(s, [n], 0, 'i32'), block), axis);
}

/** Per-block scales of the last two axes repeated to every element: [..., RB, CB] -> [..., R, C]. */
const elementScales = (s: Tensor, rows: number, cols: number, block: number): Tensor =>
  expandBlocks(expandBlocks(s, s.rank - 1, cols, block), s.rank - 2, rows, block);

defineComposite({
  name: 'fp8_block_dequantize',
  operands: ['w', 'scale_inv'],
  attrs: { block: { kind: 'int' } },
  decompose: (b, inputs, attrs) => {
    const [w, s] = wrap(b, inputs) as [Tensor, Tensor];
    const [rows, cols] = w.shape.slice(-2) as [number, number];
    return [mul(cast(w, 'f32'), elementScales(s, rows, cols, attrs.block as number)).value];
  },
});

defineComposite({
  name: 'fp8_block_quantize',
  operands: ['w'],
  attrs: { block: { kind: 'int' }, scale_fmt: { kind: 'enum', values: ['none', 'ue8m0'] } },
  decompose: (b, inputs, attrs) => {
    const [w] = wrap(b, inputs) as [Tensor];
    const block = attrs.block as number;
    const lead = w.shape.slice(0, -2);
    const [rows, cols] = w.shape.slice(-2) as [number, number];
    const [rb, cb] = [blockCount(rows, block), blockCount(cols, block)];
    // Zero padding leaves every block's amax unchanged (the floor keeps all-zero blocks at 1e-4).
    const padded = pad(abs(w), lead.map(() => 0).concat(0, 0), lead.map(() => 0).concat(rb * block - rows, cb * block - cols));
    const blocks = reshape(padded, [...lead, rb, block, cb, block]);
    const amax = maximum(max(blocks, [lead.length + 1, lead.length + 3]), FP8_AMAX_FLOOR);
    let s = div(amax, FP8_E4M3_MAX);
    if (attrs.scale_fmt === 'ue8m0') s = exp2(ceil(log2(s)));
    return [cast(div(w, elementScales(s, rows, cols, block)), 'f8e4m3fn', 'saturate').value, s.value];
  },
});

function checkBlock(op: string, block: number): void {
  if (!Number.isSafeInteger(block) || block < 1) throw new RangeError(`${op}: block size ${block} must be a positive integer`);
}

function checkMatrix(op: string, w: Tensor, dtype: string): [number, number] {
  if (w.rank < 2 || w.dtype !== dtype) throw new IRError(`${op}: ${w} must be ${dtype} with rank >= 2 (blocks cover the last two axes)`);
  return w.shape.slice(-2) as [number, number];
}

/** The shape of the block scales for `w`: [..., ceil(R / block), ceil(C / block)]. */
export const blockScaleShape = (shape: readonly number[], block: number): number[] => [
  ...shape.slice(0, -2),
  ...shape.slice(-2).map((n) => blockCount(n, block)),
];

/** w [..., R, C] f32 -> [w8 f8e4m3fn [..., R, C], scale_inv f32 [..., ceil(R/block), ceil(C/block)]] with w ≈ w8 · scale_inv. */
export const fp8BlockQuantize: (w: Tensor, block?: number, scaleFmt?: ScaleFormat) => [Tensor, Tensor] = typed('fp8BlockQuantize', {
  Tensor: (w: Tensor) => fp8BlockQuantize(w, 128, 'none'),
  'Tensor, number': (w: Tensor, block: number) => fp8BlockQuantize(w, block, 'none'),
  'Tensor, number, string': (w: Tensor, block: number, scaleFmt: string) => {
    checkBlock('fp8BlockQuantize', block);
    checkMatrix('fp8BlockQuantize', w, 'f32');
    if (scaleFmt !== 'none' && scaleFmt !== 'ue8m0') throw new TypeError(`fp8BlockQuantize: scale format ${JSON.stringify(scaleFmt)} unknown; expected "none" or "ue8m0"`);
    const [q, s] = compose(w, 'fp8_block_quantize', [w], { block, scale_fmt: scaleFmt });
    return [q!, s!];
  },
}) as never;

/** w8 f8e4m3fn [..., R, C] and scale_inv f32 [..., ceil(R/block), ceil(C/block)] -> w8 · scale_inv, f32 [..., R, C]. */
export const fp8BlockDequantize: (w: Tensor, scaleInv: Tensor, block?: number) => Tensor = typed('fp8BlockDequantize', {
  'Tensor, Tensor': (w: Tensor, s: Tensor) => fp8BlockDequantize(w, s, 128),
  'Tensor, Tensor, number': (w: Tensor, s: Tensor, block: number) => {
    checkBlock('fp8BlockDequantize', block);
    checkMatrix('fp8BlockDequantize', w, 'f8e4m3fn');
    const want = blockScaleShape(w.shape, block);
    if (s.dtype !== 'f32' || s.rank !== want.length || s.shape.some((d, i) => d !== want[i]))
      throw new IRError(`fp8BlockDequantize: scales ${s} must be f32[${want.join(', ')}] for ${w} in blocks of ${block}`);
    return compose(w, 'fp8_block_dequantize', [w, s], { block })[0]!;
  },
}) as never;
