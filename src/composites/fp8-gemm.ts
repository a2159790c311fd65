// DeepSeek's FP8 GEMM with promoted accumulation (the official `fp8_gemm`, spec/ops.md): y = a · bᵀ for fp8 a
// [M, K] with one scale per 1×block tile and fp8 b [N, K] with one scale per block×block block. For each
// block-wide slice of K the dot product is computed, rounded once to f32 (d), then
// acc += fround(fround(d · a_s) · b_s) in f32, one K block after the other from acc = +0 (promotion interval
// N_C = block).
//
// The decomposition is a batched matmul over the K blocks, two multiplies by the scales, and an explicit
// left-to-right chain of adds over the block axis: reduce_sum would leave the order of the K-block sum open.
// A block of e4m3fn products sums exactly in float64, so the CPU backends are bit-exact with the official kernel.

import { add, mul } from '../ops/arith.js';
import { blockCount, expandBlocks } from '../ops/blocks.js';
import { cast } from '../ops/cast.js';
import { full, iota } from '../ops/creation.js';
import { take } from '../ops/indexing.js';
import { gatherMatmul, matmul } from '../ops/linalg.js';
import { pad, permute, reshape, slice } from '../ops/movement.js';
import type { Tensor } from '../ops/tensor.js';
import { composite } from './define.js';

/** fp8 [..., K] as f32, zero-padded along K to whole blocks: [..., KB · block]. */
function widen(x: Tensor, block: number): Tensor {
  const k = x.shape[x.rank - 1]!;
  return pad(cast(x, 'f32'), x.shape.map(() => 0), [...x.shape.slice(0, -1).map(() => 0), blockCount(k, block) * block - k]);
}

/**
 * The promoted accumulation: d [KB, M, N] block dot products, aScale [KB, M, 1] and bScale [KB, 1 or M, N] their
 * scales -> Σ_j fround(fround(d_j · aScale_j) · bScale_j), added in f32 for j = 0, 1, ... from +0.
 */
function promote(d: Tensor, aScale: Tensor, bScale: Tensor): Tensor {
  const [kb, m, n] = d.shape as [number, number, number];
  const scaled = mul(mul(d, aScale), bScale);
  let acc = full(d, 0, [m, n]);
  for (let j = 0; j < kb; j++) acc = add(acc, reshape(slice(scaled, 0, j, j + 1), [m, n]));
  return acc;
}

export const FP8_GEMM = composite('fp8_gemm', {
  attrs: { block: { kind: 'int' } },
  operands: ['a', 'a_scale', 'b', 'b_scale'],
  results: ['y'],
  decompose: (inputs, { block }) => {
    const [a, aScale, b, bScale] = inputs as [Tensor, Tensor, Tensor, Tensor];
    const [m, n, kb] = [a.shape[0]!, b.shape[0]!, aScale.shape[1]!];
    const aBlocks = permute(reshape(widen(a, block), [m, kb, block]), [1, 0, 2]);
    const bBlocks = permute(reshape(widen(b, block), [n, kb, block]), [1, 2, 0]);
    const bScales = reshape(permute(expandBlocks(bScale, 0, n, block), [1, 0]), [kb, 1, n]);
    return [promote(matmul(aBlocks, bBlocks), reshape(permute(aScale, [1, 0]), [kb, m, 1]), bScales)];
  },
});

export const FP8_GATHER_GEMM = composite('fp8_gather_gemm', {
  attrs: { block: { kind: 'int' } },
  operands: ['a', 'a_scale', 'b', 'b_scale', 'ids'],
  results: ['y'],
  decompose: (inputs, { block }) => {
    const [a, aScale, b, bScale, ids] = inputs as [Tensor, Tensor, Tensor, Tensor, Tensor];
    const [r, kb] = aScale.shape as [number, number];
    const [e, n] = b.shape as [number, number];
    // Row (r, j) is K block j of row r; matrix (x, j) is K block j of expert x, so row (r, j) uses matrix ids[r]·KB + j.
    const rows = reshape(widen(a, block), [r * kb, block]);
    const matrices = reshape(permute(reshape(widen(b, block), [e, n, kb, block]), [0, 2, 3, 1]), [e * kb, block, n]);
    const rowIds = reshape(add(mul(reshape(ids, [r, 1]), kb), iota(ids, [r, kb], 1)), [r * kb]);
    const d = permute(reshape(gatherMatmul(rows, matrices, rowIds), [r, kb, n]), [1, 0, 2]);
    const bScales = permute(expandBlocks(take(bScale, ids, 0), 1, n, block), [2, 0, 1]);
    return [promote(d, reshape(permute(aScale, [1, 0]), [kb, r, 1]), bScales)];
  },
});
