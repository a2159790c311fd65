// The official FP8 `linear()` (gemm_impl "fp8"): act_quant of the f32 input per 1×block tile, then the FP8 GEMM
// against a block-quantized weight. When K is not a multiple of the block the last tile is partial: the input is
// zero-padded to whole tiles, which leaves each tile's amax and every product unchanged. (The official act_quant
// asserts K % block == 0; the padding extends it to models such as v3-tiny, whose hidden size is 64.)

import { IRError } from '../ir/index.js';
import { fp8Quantize, type ScaleFormat } from './fp8.js';
import { blockCount } from './blocks.js';
import { fp8GatherGemm, fp8Gemm } from './fp8-gemm.js';
import { pad, reshape, slice } from './movement.js';
import type { Tensor } from './tensor.js';

/** act_quant of x [R, K]: [q f8e4m3fn [R, K], scales f32 [R, ceil(K / block)]]. */
export function quantizeActivations(x: Tensor, block: number, scaleFmt: ScaleFormat): [Tensor, Tensor] {
  const k = x.shape[1]!;
  const extra = blockCount(k, block) * block - k;
  if (extra === 0) return fp8Quantize(x, block, scaleFmt);
  const [q, s] = fp8Quantize(pad(x, [0, 0], [0, extra]), block, scaleFmt);
  return [slice(q, 1, 0, k), s];
}

/** x f32 [..., K] · wᵀ for w f8e4m3fn [N, K] with block scales [ceil(N/block), ceil(K/block)] -> f32 [..., N]. */
export function fp8Linear(x: Tensor, w: Tensor, wScale: Tensor, scaleFmt: ScaleFormat, block = 128): Tensor {
  const [n, k] = w.shape as [number, number];
  if (x.shape[x.rank - 1] !== k) throw new IRError(`fp8Linear: input ${x} must end in ${k}, the in_features of weight ${w}`);
  const [q, s] = quantizeActivations(reshape(x, [-1, k]), block, scaleFmt);
  return reshape(fp8Gemm(q, s, w, wScale, block), [...x.shape.slice(0, -1), n]);
}

/** Per-row expert linear: x f32 [R, K], w f8e4m3fn [E, N, K] with scales [E, ., .], ids i32 [R] -> f32 [R, N]. */
export function fp8GatherLinear(x: Tensor, w: Tensor, wScale: Tensor, ids: Tensor, scaleFmt: ScaleFormat, block = 128): Tensor {
  const [q, s] = quantizeActivations(x, block, scaleFmt);
  return fp8GatherGemm(q, s, w, wScale, ids, block);
}
