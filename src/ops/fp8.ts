// Fine-grained FP8 activation quantization (DeepSeek's act_quant): per 1×block tile of the last axis,
// amax = max|x| clamped to >= 1e-4, s = amax / 448, optionally rounded up to a power of two (ue8m0),
// q = e4m3fn(x / s) saturating. Every step is one f32 operation, which reproduces torch bit for bit.

import { defineComposite, IRError } from '../ir/index.js';
import { FP8_AMAX_FLOOR } from '../numerics/index.js';
import { abs, ceil, div, exp2, log2, maximum } from './arith.js';
import { cast } from './cast.js';
import { reshape } from './movement.js';
import { max } from './reduce.js';
import { compose, wrap, type Tensor } from './tensor.js';
import { typed } from './typed.js';

export type ScaleFormat = 'none' | 'ue8m0';

export const FP8_E4M3_MAX = 448;

defineComposite({
  name: 'fp8_quantize',
  operands: ['x'],
  attrs: { block: { kind: 'int' }, scale_fmt: { kind: 'enum', values: ['none', 'ue8m0'] } },
  decompose: (b, inputs, attrs) => {
    const [x] = wrap(b, inputs);
    const block = attrs.block as number;
    const k = x!.shape[x!.rank - 1]!;
    const tiles = reshape(x!, [...x!.shape.slice(0, -1), k / block, block]);
    const amax = maximum(max(abs(tiles), -1, true), FP8_AMAX_FLOOR);
    let s = div(amax, FP8_E4M3_MAX);
    if (attrs.scale_fmt === 'ue8m0') s = exp2(ceil(log2(s)));
    const q = cast(div(tiles, s), 'f8e4m3fn', 'saturate');
    return [reshape(q, x!.shape).value, reshape(s, [...x!.shape.slice(0, -1), k / block]).value];
  },
});

/** Returns [q (f8e4m3fn, shape of x), scales (f32, [..., K / block])]; K must be a multiple of `block`. */
export const fp8Quantize: (x: Tensor, block?: number, scaleFmt?: ScaleFormat) => [Tensor, Tensor] = typed('fp8Quantize', {
  Tensor: (x: Tensor) => fp8Quantize(x, 128, 'none'),
  'Tensor, number': (x: Tensor, block: number) => fp8Quantize(x, block, 'none'),
  'Tensor, number, string': (x: Tensor, block: number, scaleFmt: string) => {
    if (x.dtype !== 'f32') throw new IRError(`fp8Quantize: input ${x} must be f32`);
    const k = x.shape[x.rank - 1];
    if (!Number.isInteger(block) || block < 1 || k === undefined || k % block !== 0)
      throw new IRError(`fp8Quantize: the last axis of ${x} must be a multiple of the block size ${block}`);
    if (scaleFmt !== 'none' && scaleFmt !== 'ue8m0') throw new TypeError(`fp8Quantize: scale format ${JSON.stringify(scaleFmt)} unknown; expected "none" or "ue8m0"`);
    const [q, s] = compose(x, 'fp8_quantize', [x], { block, scale_fmt: scaleFmt });
    return [q!, s!];
  },
}) as never;
