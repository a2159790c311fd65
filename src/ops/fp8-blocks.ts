// FP8 weights in square blocks over the last two axes (composites, src/composites/fp8-blocks.ts): quantization
// with one f32 scale per block, dequantization with `weight_scale_inv` as a multiplier.

import { FP8_BLOCK_DEQUANTIZE, FP8_BLOCK_QUANTIZE } from '../composites/fp8-blocks.js';
import type { ScaleFormat } from '../composites/fp8-quantize.js';
import { IRError } from '../ir/index.js';
import { blockScaleShape, checkBlock } from './blocks.js';
import { compose, type Tensor } from './tensor.js';
import { typed } from './typed.js';

function checkMatrix(op: string, w: Tensor, dtype: string): void {
  if (w.rank < 2 || w.dtype !== dtype) throw new IRError(`${op}: ${w} must be ${dtype} with rank >= 2 (blocks cover the last two axes)`);
}

/** w [..., R, C] f32 -> [w8 f8e4m3fn [..., R, C], scale_inv f32 [..., ceil(R/block), ceil(C/block)]] with w ≈ w8 · scale_inv. */
export const fp8BlockQuantize = typed('fp8BlockQuantize', {
  Tensor: (w: Tensor): [Tensor, Tensor] => fp8BlockQuantize(w, 128, 'none'),
  'Tensor, number': (w: Tensor, block: number): [Tensor, Tensor] => fp8BlockQuantize(w, block, 'none'),
  'Tensor, number, string': (w: Tensor, block: number, scaleFmt: ScaleFormat): [Tensor, Tensor] => {
    checkBlock('fp8BlockQuantize', block);
    checkMatrix('fp8BlockQuantize', w, 'f32');
    if (scaleFmt !== 'none' && scaleFmt !== 'ue8m0') throw new TypeError(`fp8BlockQuantize: scale format ${JSON.stringify(scaleFmt)} unknown; expected "none" or "ue8m0"`);
    const [q, s] = compose(w, FP8_BLOCK_QUANTIZE, [w], { block, scale_fmt: scaleFmt });
    return [q!, s!];
  },
});

/** w8 f8e4m3fn [..., R, C] and scale_inv f32 [..., ceil(R/block), ceil(C/block)] -> w8 · scale_inv, f32 [..., R, C]. */
export const fp8BlockDequantize = typed('fp8BlockDequantize', {
  'Tensor, Tensor': (w: Tensor, s: Tensor): Tensor => fp8BlockDequantize(w, s, 128),
  'Tensor, Tensor, number': (w: Tensor, s: Tensor, block: number): Tensor => {
    checkBlock('fp8BlockDequantize', block);
    checkMatrix('fp8BlockDequantize', w, 'f8e4m3fn');
    const want = blockScaleShape(w.shape, block);
    if (s.dtype !== 'f32' || s.rank !== want.length || s.shape.some((d, i) => d !== want[i]))
      throw new IRError(`fp8BlockDequantize: scales ${s} must be f32[${want.join(', ')}] for ${w} in blocks of ${block}`);
    return compose(w, FP8_BLOCK_DEQUANTIZE, [w, s], { block })[0]!;
  },
});
