// FP8 on WebGPU, bit for bit with the CPU: the kernels WebGPU claims (fp8_quantize, fp8_block_quantize, fp8_gemm,
// fp8_gather_gemm) on random tensors built to stress the recipe (arbitraries.ts, plus tiles of extreme magnitudes,
// raw bytes with NaN codes and scales that are subnormal, tiny, huge, zero or negative), against the compiled CPU
// backend; and the golden act_quant tables, linear_unit and every decode.0.linear capture of v3-fp8-tiny. Shapes are
// fixed per test, so that each kernel compiles once (lavapipe compiles slowly).

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backends/backend.js';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { compile } from '../../src/compiler/compile.js';
import { WEBGPU_CLAIMS } from '../../src/backends/webgpu/claims.js';
import { claimableComposites } from '../../src/compiler/claims.js';
import { fp8BlockQuantize, fp8GatherGemm, fp8Gemm, fp8Linear, fp8Quantize, Trace, type ScaleFormat } from '../../src/ops/index.js';
import { Checkpoint } from '../../src/io/checkpoint.js';
import { GoldenCase } from '../../src/models/deepseek/verify/golden-case.js';
import { replayLinears } from '../../src/models/deepseek/verify/linear-replay.js';
import { f32FromBits } from '../../src/numerics/f32-bits.js';
import { ue8m0Limits } from '../../src/numerics/index.js';
import { bitMismatch } from '../support/compare.js';
import { useWebGpuBackend } from '../backends/webgpu/program-harness.js';
import { loadFp8Golden } from '../numerics/golden-fp8.js';
import { tiledMatrix } from './arbitraries.js';
import { firstDifference, runOnce, type HostTensor } from './backends.js';
import { actQuant, blockQuant } from './naive-fp8.js';
import { directoryFiles } from '../../src/io/local-files.js';

const gpu = useWebGpuBackend();
const cpu = cpuBackend();
afterAll(() => cpu.dispose());

const FORMATS = ['none', 'ue8m0'] as const;
const f32 = (shape: number[], values: ArrayLike<number>): HostTensor => ({ dtype: 'f32', shape, data: Float32Array.from(values) });
const fp8 = (shape: number[], bytes: Uint8Array): HostTensor => ({ dtype: 'f8e4m3fn', shape, data: bytes });

/** Runs `fn` on both backends and expects every output bit for bit equal (any NaN matches any NaN). */
async function expectSame(inputs: Record<string, HostTensor>, fn: Parameters<typeof runOnce>[2]): Promise<void> {
  const [got, want] = [await runOnce(await gpu(), inputs, fn), await runOnce(cpu, inputs, fn)];
  for (const [name, w] of Object.entries(want)) expect(bitMismatch(got[name]!, w), name).toBeUndefined();
}

/** f32 values of any magnitude: subnormals, values near the top of the range, and now and then ±inf or NaN. */
const extremeValue = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 0xffffffff }).map(f32FromBits), weight: 4 },
  { arbitrary: fc.integer({ min: 1, max: 0x7fffff }).map((m) => f32FromBits(m)), weight: 2 },
  { arbitrary: fc.constantFrom(3.4028234663852886e38, -3e38, 1e38, Infinity, -Infinity, NaN, -0), weight: 1 },
);

/** A [rows, cols] matrix of the tiled kinds, with some elements replaced by extreme values. */
const stressMatrix = (rows: number, cols: number, tileRows: number, tileCols: number) =>
  fc
    .record({
      x: tiledMatrix(rows, cols, tileRows, tileCols),
      extremes: fc.array(fc.tuple(fc.nat({ max: rows * cols - 1 }), extremeValue), { maxLength: 6 }),
    })
    .map(({ x, extremes }) => {
      for (const [i, v] of extremes) x[i] = v;
      return x;
    });

/** Scales with some replaced: subnormal, tiny (products go subnormal), huge (products overflow), ±0, negative. */
const perturbedScales = (s: Float32Array) =>
  fc
    .array(
      fc.tuple(
        fc.nat({ max: s.length - 1 }),
        fc.oneof(
          fc.integer({ min: 1, max: 0x7fffff }).map(f32FromBits),
          fc.integer({ min: -140, max: -110 }).map((e) => 2 ** e * 1.375),
          fc.integer({ min: 100, max: 127 }).map((e) => 2 ** e * 1.625),
          fc.constantFrom(0, -0, -0.5, Infinity),
        ),
      ),
      { maxLength: 3 },
    )
    .map((changes) => {
      const out = s.slice();
      for (const [i, v] of changes) out[i] = v;
      return out;
    });

/** fp8 bytes with some replaced by any byte (0x7f and 0xff are NaN). */
const perturbedBytes = (q: Uint8Array) =>
  fc.array(fc.tuple(fc.nat({ max: q.length - 1 }), fc.constantFrom(0x7f, 0xff, 0x7e, 0xfe, 0x01, 0x81, 0x00, 0x80)), { maxLength: 3 }).map((changes) => {
    const out = q.slice();
    for (const [i, v] of changes) out[i] = v;
    return out;
  });

describe('the WebGPU claims', () => {
  /** The composites WebGPU claims in an FP8 linear with blocks of `block` after a block quantization, and the kernels. */
  function claimsAt(block: number): { claimed: string[]; kernels: string[] } {
    const t = new Trace('claims');
    const [w, ws] = fp8BlockQuantize(t.input('w', 'f32', [4, 2 * block]), block);
    const graph = t.build({ y: fp8Linear(t.input('x', 'f32', [2, 2 * block]), w!, ws!, 'none', block) });
    const claimed = claimableComposites(graph, WEBGPU_CLAIMS);
    return { claimed: [...claimed].sort(), kernels: compile(graph, { claimed }).kernels.map((k) => (k.body.kind === 'library' ? k.body.op : k.body.kind)) };
  }

  it('cover the FP8 recipe, each composite one kernel', () => {
    expect(claimsAt(128)).toEqual({ claimed: ['fp8_block_quantize', 'fp8_gemm', 'fp8_quantize'], kernels: ['fp8_block_quantize', 'fp8_quantize', 'fp8_gemm'] });
  });

  it('leave GEMMs with blocks too large for the exact i32 sums to their decomposition', () => {
    expect(claimsAt(8192).claimed).toEqual(['fp8_block_quantize', 'fp8_quantize']);
  });
});

describe.each(FORMATS)('FP8 on WebGPU, scale_fmt %s', (fmt) => {
  it('act_quant gives the CPU bytes and scales (ties, tiny and zero tiles, power-of-two edges, extremes)', async () => {
    await fc.assert(
      fc.asyncProperty(stressMatrix(4, 256, 1, 32), async (x) => {
        await expectSame({ x: f32([4, 256], x) }, ({ x }) => {
          const [q, s] = fp8Quantize(x!, 32, fmt);
          return { q, s };
        });
      }),
      { numRuns: 40 },
    );
  });

  it('block quantization gives the CPU bytes and scales, partial edge blocks included', async () => {
    await fc.assert(
      fc.asyncProperty(stressMatrix(80, 35, 16, 16), async (w) => {
        await expectSame({ w: f32([2, 40, 35], w) }, ({ w }) => {
          const [q, s] = fp8BlockQuantize(w!, 16, fmt);
          return { q: q!, s: s! };
        });
      }),
      { numRuns: 20 },
    );
  });
});

describe('ue8m0 scales on WebGPU', () => {
  it('match the CPU on 32768 tiles whose scales crowd every binade’s limit and spread over the whole range', async () => {
    const [tiles, block] = [32768, 32];
    const limits = ue8m0Limits();
    const next = fc.sample(fc.integer({ min: 0, max: 0x7fffff }), tiles);
    // Scales from 2^-22 (the floor, 1e-4 / 448) up to where amax = 448 s stays finite.
    const scales = Array.from({ length: tiles }, (_, i) => {
      const e = 105 + (i % 141);
      const m = i % 2 ? Math.max(0, limits[e]! - 8 + ((i >> 1) % 40)) : next[i]!;
      return f32FromBits((e << 23) | m);
    });
    const x = new Float32Array(tiles * block);
    scales.forEach((s, t) => {
      for (let i = 0; i < block; i++) x[t * block + i] = Math.fround(s * 448 * (i === 0 ? 1 : ((i % 7) - 3) / 3.5));
    });
    await expectSame({ x: f32([tiles, block], x) }, ({ x }) => {
      const [q, s] = fp8Quantize(x!, block, 'ue8m0');
      return { q, s };
    });
  });
});

describe('FP8 GEMMs on WebGPU', () => {
  const [M, N, K, block] = [3, 37, 100, 32];
  const kb = Math.ceil(K / block);
  /** Quantized operands of random tiles, with perturbed bytes and scales. */
  const operands = fc
    .record({ x: tiledMatrix(M, K, 1, block), w: tiledMatrix(N, K, block, block), fmt: fc.constantFrom(...FORMATS) })
    .chain(({ x, w, fmt }) => {
      const [a, b] = [actQuant(x, M, K, block, fmt), blockQuant(w, N, K, block, fmt)];
      return fc.record({ a: perturbedBytes(a.q), as: perturbedScales(a.s), b: perturbedBytes(b.q), bs: perturbedScales(b.s) });
    });

  it('fp8_gemm gives the CPU results (partial K and N blocks, NaN bytes, subnormal and extreme scales)', async () => {
    await fc.assert(
      fc.asyncProperty(operands, async ({ a, as, b, bs }) => {
        await expectSame({ a: fp8([M, K], a), as: f32([M, kb], as), b: fp8([N, K], b), bs: f32([Math.ceil(N / block), kb], bs) }, ({ a, as, b, bs }) => ({
          y: fp8Gemm(a!, as!, b!, bs!, block),
        }));
      }),
      { numRuns: 40 },
    );
  });

  it('fp8_gather_gemm gives the CPU results, each row with its expert', async () => {
    const experts = 3;
    const arb = fc.record({ rows: fc.array(operands, { minLength: experts, maxLength: experts }), ids: fc.array(fc.nat({ max: experts - 1 }), { minLength: M, maxLength: M }) });
    await fc.assert(
      fc.asyncProperty(arb, async ({ rows, ids }) => {
        const bytes = new Uint8Array(experts * N * K);
        rows.forEach((o, e) => bytes.set(o.b, e * N * K));
        const scales = rows.flatMap((o) => Array.from(o.bs));
        await expectSame(
          {
            a: fp8([M, K], rows[0]!.a),
            as: f32([M, kb], rows[0]!.as),
            b: fp8([experts, N, K], bytes),
            bs: f32([experts, Math.ceil(N / block), kb], scales),
            ids: { dtype: 'i32', shape: [M], data: Int32Array.from(ids) },
          },
          ({ a, as, b, bs, ids }) => ({ y: fp8GatherGemm(a!, as!, b!, bs!, ids!, block) }),
        );
      }),
      { numRuns: 25 },
    );
  });
});

describe('FP8 goldens on WebGPU', () => {
  const tables = loadFp8Golden();
  const CASES = ['randn', 'randn_x1000', 'randn_x1e-3', 'randn_x1e-6_amax_clamped', 'zero_blocks', 'wide_dynamic_range', 'ties_scale_one', 'scale_power_of_two_edge'];

  it.each(CASES.flatMap((name) => FORMATS.map((fmt) => [name, fmt] as const)))('act_quant table %s, scale_fmt %s', async (name, fmt) => {
    const out = await runOnce(await gpu(), { x: f32([...tables.shape(`act_quant.${name}.x`)], tables.f32(`act_quant.${name}.x`)) }, ({ x }) => {
      const [q, s] = fp8Quantize(x!, 128, fmt);
      return { q, s };
    });
    expect(firstDifference(out.q!.data, tables.u8(`act_quant.${name}.${fmt}.q`))).toBe(-1);
    expect(firstDifference(out.s!.data, tables.f32(`act_quant.${name}.${fmt}.s`))).toBe(-1);
  });

  const DIR = 'spec/golden/v3-fp8-tiny';
  const golden = GoldenCase.open(directoryFiles(DIR));
  const ckpt = Checkpoint.open(directoryFiles(DIR));
  afterAll(() => {
    golden.close();
    ckpt.close();
  });
  const UNITS = { wq_a: 'model.layers.0.self_attn.q_a_proj', wkv_a: 'model.layers.0.self_attn.kv_a_proj_with_mqa' } as const;

  it.each(Object.keys(UNITS).flatMap((unit) => FORMATS.map((fmt) => [unit, fmt] as const)))('linear_unit %s with scale_fmt %s: act_quant and the FP8 linear', async (unit, fmt) => {
    const name = UNITS[unit as keyof typeof UNITS];
    const mode = fmt === 'none' ? 'fp8' : 'fp8_ue8m0';
    const [w, s] = [ckpt.readIR(`${name}.weight`), ckpt.readIR(`${name}.weight_scale_inv`)];
    const out = await runOnce(await gpu(), { x: golden.tensor('linear_unit.x'), w, s }, ({ x, w, s }) => {
      const [q, scale] = fp8Quantize(x!, 128, fmt as ScaleFormat);
      return { q, scale, y: fp8Linear(x!, w!, s!, fmt as ScaleFormat) };
    });
    expect(firstDifference(out.q!.data, golden.tensor(`linear_unit.${fmt}.act_q`).data)).toBe(-1);
    expect(firstDifference(out.scale!.data, golden.tensor(`linear_unit.${fmt}.act_s`).data)).toBe(-1);
    expect(firstDifference(out.y!.data, golden.tensor(`linear_unit.${mode}.${unit}`).data)).toBe(-1);
  });

  it.each([
    ['fp8', 'none'],
    ['fp8_ue8m0', 'ue8m0'],
  ] as const)('every Linear call of decode step 0 of run %s, bit for bit', async (run, scaleFmt) => {
    const backend: Backend = await gpu();
    const results = await replayLinears(golden, run, { gemm: 'fp8', scaleFmt, ue8m0Reach: 'official' }, backend);
    expect(results.length).toBe(golden.linearCaptures(run).length);
    expect(results.filter((c) => !c.pass)).toEqual([]);
    expect(results.filter((c) => c.tolerance === 'bit-exact').length).toBe(results.length - 1);
  });
});
