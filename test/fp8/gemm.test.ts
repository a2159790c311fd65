// The FP8 GEMM composites (fp8_gemm, fp8_gather_gemm), act_quant (fp8_quantize) and the FP8 linear() against the
// naive definitions of naive-fp8.ts on random tensors built to stress the recipe (arbitraries.ts: ties, tiny and
// zero tiles, scales at powers of two), with partial K and N blocks, on both CPU backends. Bit for bit.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fp8GatherGemm, fp8Gemm, fp8Linear, fp8Quantize, quantizeActivations } from '../../src/ops/index.js';
import { tiledMatrix } from './arbitraries.js';
import { cpuBackends, firstDifference, runOnce } from './backends.js';
import { actQuant, blockQuant, fp8Gemm as naiveGemm, type ScaleFormat } from './naive-fp8.js';

const FORMATS = ['none', 'ue8m0'] as const;

const f32 = (shape: number[], values: readonly number[]) => ({ dtype: 'f32' as const, shape, data: Float32Array.from(values) });
const fp8 = (shape: number[], bytes: Uint8Array) => ({ dtype: 'f8e4m3fn' as const, shape, data: bytes });

/** An activation matrix [M, K] and a weight [N, K], each built from tiles of random kinds. */
const operands = fc
  .constantFrom(2, 8, 16, 32)
  .chain((block) =>
    fc.record({
      M: fc.integer({ min: 1, max: 4 }),
      N: fc.integer({ min: 1, max: 40 }),
      // Up to 20 K blocks: tiny blocks make long promoted chains, whose f32 rounding order shows.
      K: fc.integer({ min: 1, max: Math.min(160, 20 * block) }),
      block: fc.constant(block),
      fmt: fc.constantFrom(...FORMATS),
    }),
  )
  .chain((s) => fc.record({ x: tiledMatrix(s.M, s.K, 1, s.block), w: tiledMatrix(s.N, s.K, s.block, s.block) }).map((t) => ({ ...s, ...t })));

describe.each(cpuBackends())('FP8 ops on %s', (_, backend) => {
  it('act_quant matches the naive definition (K a multiple of the block)', async () => {
    const arb = fc
      .record({ M: fc.integer({ min: 1, max: 4 }), tiles: fc.integer({ min: 1, max: 4 }), block: fc.constantFrom(16, 32, 128), fmt: fc.constantFrom(...FORMATS) })
      .chain((s) => tiledMatrix(s.M, s.tiles * s.block, 1, s.block).map((x) => ({ ...s, x })));
    await fc.assert(
      fc.asyncProperty(arb, async ({ M, tiles, block, fmt, x }) => {
        const K = tiles * block;
        const out = await runOnce(backend, { x: f32([M, K], x) }, ({ x }) => {
          const [q, s] = fp8Quantize(x!, block, fmt);
          return { q, s };
        });
        const want = actQuant(x, M, K, block, fmt);
        expect(firstDifference(out.s!.data, want.s)).toBe(-1);
        expect(firstDifference(out.q!.data, want.q)).toBe(-1);
      }),
      { numRuns: 30 },
    );
  });

  it('act_quant of a partial last tile equals the naive definition over the elements present', async () => {
    await fc.assert(
      fc.asyncProperty(operands, async ({ M, K, block, fmt, x }) => {
        const out = await runOnce(backend, { x: f32([M, K], x) }, ({ x }) => {
          const [q, s] = quantizeActivations(x!, block, fmt);
          return { q, s };
        });
        const want = actQuant(x, M, K, block, fmt);
        expect(firstDifference(out.s!.data, want.s)).toBe(-1);
        expect(firstDifference(out.q!.data, want.q)).toBe(-1);
      }),
      { numRuns: 25 },
    );
  });

  it('fp8_gemm matches the promoted accumulation, partial blocks included', async () => {
    await fc.assert(
      fc.asyncProperty(operands, async ({ M, N, K, block, fmt, x, w }) => {
        const a = actQuant(x, M, K, block, fmt);
        const b = blockQuant(w, N, K, block, fmt);
        const kb = Math.ceil(K / block);
        const out = await runOnce(
          backend,
          { a: fp8([M, K], a.q), as: f32([M, kb], Array.from(a.s)), b: fp8([N, K], b.q), bs: f32([Math.ceil(N / block), kb], Array.from(b.s)) },
          ({ a, as, b, bs }) => ({ y: fp8Gemm(a!, as!, b!, bs!, block) }),
        );
        expect(firstDifference(out.y!.data, naiveGemm(a.q, a.s, b.q, b.s, M, N, K, block))).toBe(-1);
      }),
      { numRuns: 25 },
    );
  });

  it('fp8 linear() is act_quant then fp8_gemm', async () => {
    await fc.assert(
      fc.asyncProperty(operands, async ({ M, N, K, block, fmt, x, w }) => {
        const b = blockQuant(w, N, K, block, 'none');
        const kb = Math.ceil(K / block);
        const out = await runOnce(backend, { x: f32([M, K], x), b: fp8([N, K], b.q), bs: f32([Math.ceil(N / block), kb], Array.from(b.s)) }, ({ x, b, bs }) => ({
          y: fp8Linear(x!, b!, bs!, fmt, block),
        }));
        const a = actQuant(x, M, K, block, fmt);
        expect(firstDifference(out.y!.data, naiveGemm(a.q, a.s, b.q, b.s, M, N, K, block))).toBe(-1);
      }),
      { numRuns: 20 },
    );
  });

  it('fp8_gather_gemm applies each row its own expert', async () => {
    const arb = operands.chain((o) => fc.record({ experts: fc.integer({ min: 1, max: 3 }), seed: fc.nat() }).map((e) => ({ ...o, ...e })));
    await fc.assert(
      fc.asyncProperty(arb, async ({ M, N, K, block, fmt, x, w, experts, seed }) => {
        // Expert e's weight is w scaled by 2^e (so the experts differ in their scales as well as their bytes).
        const bs = Array.from({ length: experts }, (_, e) => blockQuant(w.map((v) => Math.fround(v * 2 ** e)), N, K, block, fmt));
        const ids = Int32Array.from({ length: M }, (_, r) => (seed + 7 * r) % experts);
        const a = actQuant(x, M, K, block, fmt);
        const kb = Math.ceil(K / block);
        const bytes = new Uint8Array(experts * N * K);
        bs.forEach((b, e) => bytes.set(b.q, e * N * K));
        const scales = bs.flatMap((b) => Array.from(b.s));
        const out = await runOnce(
          backend,
          { a: fp8([M, K], a.q), as: f32([M, kb], Array.from(a.s)), b: fp8([experts, N, K], bytes), bs: f32([experts, Math.ceil(N / block), kb], scales), ids: { dtype: 'i32', shape: [M], data: ids } },
          ({ a, as, b, bs, ids }) => ({ y: fp8GatherGemm(a!, as!, b!, bs!, ids!, block) }),
        );
        const want = new Float32Array(M * N);
        for (let r = 0; want.length > 0 && r < M; r++) {
          const row = actQuant(x.slice(r * K, (r + 1) * K), 1, K, block, fmt);
          want.set(naiveGemm(row.q, row.s, bs[ids[r]!]!.q, bs[ids[r]!]!.s, 1, N, K, block), r * N);
        }
        expect(firstDifference(out.y!.data, want)).toBe(-1);
      }),
      { numRuns: 20 },
    );
  });
});

describe('FP8 GEMM operands', () => {
  const [[, backend]] = cpuBackends() as [[string, import('../../src/backends/backend.js').Backend]];
  const a = fp8([2, 256], new Uint8Array(512));
  const b = fp8([160, 256], new Uint8Array(160 * 256));
  it('are checked with messages that say what was expected', async () => {
    const as = f32([2, 2], [1, 1, 1, 1]);
    const badBs = f32([1, 2], [1, 1]);
    await expect(runOnce(backend, { a, as, b, bs: badBs }, ({ a, as, b, bs }) => ({ y: fp8Gemm(a!, as!, b!, bs!) }))).rejects.toThrow(/b_scale .* must be f32\[2, 2\]/);
    await expect(runOnce(backend, { a, as, b: a, bs: as }, ({ a, as, bs }) => ({ y: fp8Gemm(a!, as!, as!, bs!) }))).rejects.toThrow(/b .* must be f8e4m3fn\[2, 256\]/);
    const x = f32([2, 100], new Array(200).fill(1));
    await expect(runOnce(backend, { x, b, bs: f32([2, 2], [1, 1, 1, 1]) }, ({ x, b, bs }) => ({ y: fp8Linear(x!, b!, bs!, 'none' as ScaleFormat) }))).rejects.toThrow(
      /must end in 256, the in_features of weight/,
    );
  });
});
