// DeepSeek's FP8 GEMM with promoted accumulation (the official `fp8_gemm`, FACTS §5): y = a · bᵀ for fp8 a [M, K]
// with one scale per 1×block tile and fp8 b [N, K] with one scale per block×block block. For each block-wide
// slice of K the dot product is computed, rounded once to f32 (d), then acc += fround(fround(d · a_s) · b_s) in
// f32, one K block after the other from acc = +0 (promotion interval N_C = block).
//
// The decomposition is a batched matmul over the K blocks, two multiplies by the scales, and an explicit
// left-to-right chain of adds over the block axis: reduce_sum would leave the order of the K-block sum open.
// A block of e4m3fn products sums exactly in float64, so the CPU backends are bit-exact with the official kernel.

import { defineComposite, IRError } from '../ir/index.js';
import { add, mul } from './arith.js';
import { cast } from './cast.js';
import { full, iota } from './creation.js';
import { blockCount, expandBlocks } from './fp8-blocks.js';
import { take } from './indexing.js';
import { gatherMatmul, matmul } from './linalg.js';
import { pad, permute, reshape, slice } from './movement.js';
import { compose, wrap, type Tensor } from './tensor.js';
import { typed } from './typed.js';

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

defineComposite({
  name: 'fp8_gemm',
  operands: ['a', 'a_scale', 'b', 'b_scale'],
  attrs: { block: { kind: 'int' } },
  decompose: (bld, inputs, attrs) => {
    const [a, aScale, b, bScale] = wrap(bld, inputs) as [Tensor, Tensor, Tensor, Tensor];
    const block = attrs.block as number;
    const [m, n, kb] = [a.shape[0]!, b.shape[0]!, aScale.shape[1]!];
    const aBlocks = permute(reshape(widen(a, block), [m, kb, block]), [1, 0, 2]);
    const bBlocks = permute(reshape(widen(b, block), [n, kb, block]), [1, 2, 0]);
    const bScales = reshape(permute(expandBlocks(bScale, 0, n, block), [1, 0]), [kb, 1, n]);
    return [promote(matmul(aBlocks, bBlocks), reshape(permute(aScale, [1, 0]), [kb, m, 1]), bScales).value];
  },
});

defineComposite({
  name: 'fp8_gather_gemm',
  operands: ['a', 'a_scale', 'b', 'b_scale', 'ids'],
  attrs: { block: { kind: 'int' } },
  decompose: (bld, inputs, attrs) => {
    const [a, aScale, b, bScale, ids] = wrap(bld, inputs) as [Tensor, Tensor, Tensor, Tensor, Tensor];
    const block = attrs.block as number;
    const [r, kb] = aScale.shape as [number, number];
    const [e, n] = b.shape as [number, number];
    // Row (r, j) is K block j of row r; matrix (x, j) is K block j of expert x, so row (r, j) uses matrix ids[r]·KB + j.
    const rows = reshape(widen(a, block), [r * kb, block]);
    const matrices = reshape(permute(reshape(widen(b, block), [e, n, kb, block]), [0, 2, 3, 1]), [e * kb, block, n]);
    const rowIds = reshape(add(mul(reshape(ids, [r, 1]), kb), iota(ids, [r, kb], 1)), [r * kb]);
    const d = permute(reshape(gatherMatmul(rows, matrices, rowIds), [r, kb, n]), [1, 0, 2]);
    const bScales = permute(expandBlocks(take(bScale, ids, 0), 1, n, block), [2, 0, 1]);
    return [promote(d, reshape(permute(aScale, [1, 0]), [kb, r, 1]), bScales).value];
  },
});

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;

function expect(op: string, what: string, t: Tensor, dtype: string, shape: readonly number[]): void {
  if (t.dtype !== dtype || t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i]))
    throw new IRError(`${op}: ${what} ${t} must be ${dtype}${shapeText(shape)}`);
}

function checkBlock(op: string, block: number): void {
  if (!Number.isSafeInteger(block) || block < 1) throw new RangeError(`${op}: block size ${block} must be a positive integer`);
}

/**
 * a f8e4m3fn [M, K] with scales f32 [M, ceil(K/block)], b f8e4m3fn [N, K] with scales f32 [ceil(N/block),
 * ceil(K/block)] -> a · bᵀ f32 [M, N] with promoted accumulation.
 */
export const fp8Gemm: (a: Tensor, aScale: Tensor, b: Tensor, bScale: Tensor, block?: number) => Tensor = typed('fp8Gemm', {
  'Tensor, Tensor, Tensor, Tensor': (a: Tensor, as: Tensor, b: Tensor, bs: Tensor) => fp8Gemm(a, as, b, bs, 128),
  'Tensor, Tensor, Tensor, Tensor, number': (a: Tensor, as: Tensor, b: Tensor, bs: Tensor, block: number) => {
    checkBlock('fp8Gemm', block);
    if (a.rank !== 2 || b.rank !== 2) throw new IRError(`fp8Gemm: a ${a} and b ${b} must be matrices`);
    const [m, k] = a.shape as [number, number];
    const n = b.shape[0]!;
    const kb = blockCount(k, block);
    expect('fp8Gemm', 'a', a, 'f8e4m3fn', [m, k]);
    expect('fp8Gemm', 'b', b, 'f8e4m3fn', [n, k]);
    expect('fp8Gemm', 'a_scale', as, 'f32', [m, kb]);
    expect('fp8Gemm', 'b_scale', bs, 'f32', [blockCount(n, block), kb]);
    return compose(a, 'fp8_gemm', [a, as, b, bs], { block })[0]!;
  },
}) as never;

/**
 * Per-row expert GEMM: a f8e4m3fn [R, K] with scales [R, ceil(K/block)], b f8e4m3fn [E, N, K] with scales
 * [E, ceil(N/block), ceil(K/block)], ids i32 [R] -> out[r] = fp8Gemm(a[r], b[ids[r]]), f32 [R, N].
 */
export const fp8GatherGemm: (a: Tensor, aScale: Tensor, b: Tensor, bScale: Tensor, ids: Tensor, block?: number) => Tensor = typed('fp8GatherGemm', {
  'Tensor, Tensor, Tensor, Tensor, Tensor': (a: Tensor, as: Tensor, b: Tensor, bs: Tensor, ids: Tensor) => fp8GatherGemm(a, as, b, bs, ids, 128),
  'Tensor, Tensor, Tensor, Tensor, Tensor, number': (a: Tensor, as: Tensor, b: Tensor, bs: Tensor, ids: Tensor, block: number) => {
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
    return compose(a, 'fp8_gather_gemm', [a, as, b, bs, ids], { block })[0]!;
  },
}) as never;
