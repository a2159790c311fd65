// Fine-grained FP8 activation quantization (DeepSeek's act_quant; a composite, src/composites/fp8-quantize.ts):
// per 1×block tile of the last axis, one f32 scale and the e4m3fn values.

import { FP8_QUANTIZE, type ScaleFormat } from '../composites/fp8-quantize.js';
import { IRError } from '../ir/index.js';
import { compose, type Tensor } from './tensor.js';
import { typed } from './typed.js';

export { FP8_E4M3_MAX, type ScaleFormat } from '../composites/fp8-quantize.js';

/** Returns [q (f8e4m3fn, shape of x), scales (f32, [..., K / block])]; K must be a multiple of `block`. */
export const fp8Quantize = typed('fp8Quantize', {
  Tensor: (x: Tensor): [Tensor, Tensor] => fp8Quantize(x, 128, 'none'),
  'Tensor, number': (x: Tensor, block: number): [Tensor, Tensor] => fp8Quantize(x, block, 'none'),
  'Tensor, number, string': (x: Tensor, block: number, scaleFmt: ScaleFormat): [Tensor, Tensor] => {
    if (x.dtype !== 'f32') throw new IRError(`fp8Quantize: input ${x} must be f32`);
    const k = x.shape[x.rank - 1];
    if (!Number.isInteger(block) || block < 1 || k === undefined || k % block !== 0)
      throw new IRError(`fp8Quantize: the last axis of ${x} must be a multiple of the block size ${block}`);
    if (scaleFmt !== 'none' && scaleFmt !== 'ue8m0') throw new TypeError(`fp8Quantize: scale format ${JSON.stringify(scaleFmt)} unknown; expected "none" or "ue8m0"`);
    const [q, s] = compose(x, FP8_QUANTIZE, [x], { block, scale_fmt: scaleFmt });
    return [q!, s!];
  },
});
