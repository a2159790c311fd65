// Weight quantization and dequantization in square blocks (fp8_block_quantize, fp8_block_dequantize) against the
// naive definitions, on both CPU backends: partial edge blocks, zero and tiny blocks, exact ties and scales at
// powers of two; the round trip error bound; and dequantization of the golden FP8 weights, which must agree bit for
// bit with the loader's host dequantization (the path the dequant GEMM mode uses).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Checkpoint } from '../../src/io/checkpoint.js';
import { dequantizeFp8 } from '../../src/models/deepseek/dequant.js';
import { fp8BlockDequantize, fp8BlockQuantize } from '../../src/ops/index.js';
import { tiledMatrix } from './arbitraries.js';
import { cpuBackends, firstDifference, runOnce } from './backends.js';
import { blockDequant, blockQuant, e4m3Value } from './naive-fp8.js';
import { directoryFiles } from '../../src/io/local-files.js';

const shapes = fc.record({ R: fc.integer({ min: 1, max: 70 }), C: fc.integer({ min: 1, max: 70 }), block: fc.constantFrom(16, 32), fmt: fc.constantFrom('none' as const, 'ue8m0' as const) });
const cases = shapes.chain((s) => tiledMatrix(s.R, s.C, s.block, s.block).map((w) => ({ ...s, w })));

describe.each(cpuBackends())('block quantization on %s', (_, backend) => {
  it('matches the naive definition byte for byte, scales bit for bit', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async ({ R, C, block, fmt, w }) => {
        const out = await runOnce(backend, { w: { dtype: 'f32', shape: [R, C], data: Float32Array.from(w) } }, ({ w }) => {
          const [q, s] = fp8BlockQuantize(w!, block, fmt);
          return { q, s };
        });
        const want = blockQuant(w, R, C, block, fmt);
        expect(out.s!.shape).toEqual([Math.ceil(R / block), Math.ceil(C / block)]);
        expect(firstDifference(out.s!.data, want.s)).toBe(-1);
        expect(firstDifference(out.q!.data, want.q)).toBe(-1);
      }),
      { numRuns: 25 },
    );
  });

  it('round trips within half an e4m3 step of each element (2^-10 of the scale near zero)', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async ({ R, C, block, fmt, w }) => {
        const out = await runOnce(backend, { w: { dtype: 'f32', shape: [R, C], data: Float32Array.from(w) } }, ({ w }) => {
          const [q, s] = fp8BlockQuantize(w!, block, fmt);
          return { back: fp8BlockDequantize(q, s, block), s };
        });
        const cb = Math.ceil(C / block);
        w.forEach((v, k) => {
          const scale = out.s!.data[Math.floor(Math.floor(k / C) / block) * cb + Math.floor((k % C) / block)]!;
          const bound = Math.max(2 ** -4 * Math.abs(v), 2 ** -10 * scale) * (1 + 2 ** -20);
          expect(Math.abs(out.back!.data[k]! - v)).toBeLessThanOrEqual(bound);
        });
      }),
      { numRuns: 20 },
    );
  });

  it('ue8m0 scales are the least powers of two not below amax / 448', async () => {
    const w = Float32Array.from({ length: 40 * 40 }, (_, k) => Math.fround(Math.sin(k) * 3.7));
    const out = await runOnce(backend, { w: { dtype: 'f32', shape: [40, 40], data: w } }, ({ w }) => ({ s: fp8BlockQuantize(w!, 16, 'ue8m0')[1] }));
    const plain = blockQuant(w, 40, 40, 16, 'none').s;
    out.s!.data.forEach((s, i) => {
      expect(Number.isInteger(Math.log2(s))).toBe(true);
      expect(s).toBeGreaterThanOrEqual(plain[i]!);
      expect(s / 2).toBeLessThan(plain[i]!);
    });
  });

  it('dequantizes every FP8 weight of v3-fp8-tiny exactly as the loader does', async () => {
    const ckpt = Checkpoint.open(directoryFiles('spec/golden/v3-fp8-tiny'));
    try {
      const names = ckpt.names().filter((n) => ckpt.info(n).dtype === 'F8_E4M3');
      expect(names.length).toBe(40);
      for (const name of names.filter((n) => /layers\.[01]\.(self_attn|mlp\.(experts\.0|shared_experts))\./.test(n))) {
        const w = ckpt.readIR(name);
        const s = ckpt.readIR(`${name}_scale_inv`);
        const [R, C] = w.shape as [number, number];
        const out = await runOnce(backend, { w, s }, ({ w, s }) => ({ y: fp8BlockDequantize(w!, s!) }));
        expect(firstDifference(out.y!.data, dequantizeFp8(w.data as Uint8Array, s.data as Float32Array, R, C, 128))).toBe(-1);
        expect(firstDifference(out.y!.data, blockDequant(w.data as Uint8Array, s.data as Float32Array, C, 128))).toBe(-1);
      }
    } finally {
      ckpt.close();
    }
  });
});

describe('block quantization ops', () => {
  it('name what they expected when given the wrong operands', async () => {
    const [, backend] = cpuBackends()[0]!;
    const f32 = { dtype: 'f32' as const, shape: [4, 4], data: new Float32Array(16) };
    await expect(runOnce(backend, { w: f32 }, ({ w }) => ({ y: fp8BlockDequantize(w!, w!) }))).rejects.toThrow(/must be f8e4m3fn with rank >= 2/);
    const w8 = { dtype: 'f8e4m3fn' as const, shape: [200, 130], data: new Uint8Array(200 * 130) };
    const bad = { dtype: 'f32' as const, shape: [1, 2], data: new Float32Array(2) };
    await expect(runOnce(backend, { w8, bad }, ({ w8, bad }) => ({ y: fp8BlockDequantize(w8!, bad!) }))).rejects.toThrow(/must be f32\[2, 2\] for .* in blocks of 128/);
    await expect(runOnce(backend, { w: f32 }, ({ w }) => ({ y: fp8BlockQuantize(w!, 0)[0] }))).rejects.toThrow(/block size 0 must be a positive integer/);
    expect(e4m3Value(0x7e)).toBe(448);
  });
});
