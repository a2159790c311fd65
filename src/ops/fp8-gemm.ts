// DeepSeek's FP8 GEMM with promoted accumulation (composites, src/composites/fp8-gemm.ts): the checks of its
// operands and the calls that add it to a graph.

import { FP8_GATHER_GEMM, FP8_GEMM } from '../composites/fp8-gemm.js';
import { IRError } from '../ir/index.js';
import { blockCount, checkBlock } from './blocks.js';
import { compose, type Tensor } from './tensor.js';
import { typed } from './typed.js';

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;

function expect(op: string, what: string, t: Tensor, dtype: string, shape: readonly number[]): void {
  if (t.dtype !== dtype || t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i]))
    throw new IRError(`${op}: ${what} ${t} must be ${dtype}${shapeText(shape)}`);
}

/**
 * a f8e4m3fn [M, K] with scales f32 [M, ceil(K/block)], b f8e4m3fn [N, K] with scales f32 [ceil(N/block),
 * ceil(K/block)] -> a · bᵀ f32 [M, N] with promoted accumulation.
 */
export const fp8Gemm = typed('fp8Gemm', {
  'Tensor, Tensor, Tensor, Tensor': (a: Tensor, as: Tensor, b: Tensor, bs: Tensor): Tensor => fp8Gemm(a, as, b, bs, 128),
  'Tensor, Tensor, Tensor, Tensor, number': (a: Tensor, as: Tensor, b: Tensor, bs: Tensor, block: number): Tensor => {
    checkBlock('fp8Gemm', block);
    if (a.rank !== 2 || b.rank !== 2) throw new IRError(`fp8Gemm: a ${a} and b ${b} must be matrices`);
    const [m, k] = a.shape as [number, number];
    const n = b.shape[0]!;
    const kb = blockCount(k, block);
    expect('fp8Gemm', 'a', a, 'f8e4m3fn', [m, k]);
    expect('fp8Gemm', 'b', b, 'f8e4m3fn', [n, k]);
    expect('fp8Gemm', 'a_scale', as, 'f32', [m, kb]);
    expect('fp8Gemm', 'b_scale', bs, 'f32', [blockCount(n, block), kb]);
    return compose(a, FP8_GEMM, [a, as, b, bs], { block })[0]!;
  },
});

/**
 * Per-row expert GEMM: a f8e4m3fn [R, K] with scales [R, ceil(K/block)], b f8e4m3fn [E, N, K] with scales
 * [E, ceil(N/block), ceil(K/block)], ids i32 [R] -> out[r] = fp8Gemm(a[r], b[ids[r]]), f32 [R, N].
 */
export const fp8GatherGemm = typed('fp8GatherGemm', {
  'Tensor, Tensor, Tensor, Tensor, Tensor': (a: Tensor, as: Tensor, b: Tensor, bs: Tensor, ids: Tensor): Tensor => fp8GatherGemm(a, as, b, bs, ids, 128),
  'Tensor, Tensor, Tensor, Tensor, Tensor, number': (a: Tensor, as: Tensor, b: Tensor, bs: Tensor, ids: Tensor, block: number): Tensor => {
    checkBlock('fp8GatherGemm', block);
    if (a.rank !== 2 || b.rank !== 3) throw new IRError(`fp8GatherGemm: a ${a} must be a matrix and b ${b} a stack of matrices`);
    const [r, k] = a.shape as [number, number];
    const [e, n] = b.shape as [number, number];
    const kb = blockCount(k, block);
    expect('fp8GatherGemm', 'a', a, 'f8e4m3fn', [r, k]);
    expect('fp8GatherGemm', 'b', b, 'f8e4m3fn', [e, n, k]);
    expect('fp8GatherGemm', 'a_scale', as, 'f32', [r, kb]);
    expect('fp8GatherGemm', 'b_scale', bs, 'f32', [e, blockCount(n, block), kb]);
    expect('fp8GatherGemm', 'ids', ids, 'i32', [r]);
    return compose(a, FP8_GATHER_GEMM, [a, as, b, bs, ids], { block })[0]!;
  },
});
