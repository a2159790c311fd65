// The official FP8 linear() on v3-fp8-tiny (spec/golden/README.md): linear_unit.* (wq_a with whole 128-blocks,
// wkv_a with 160 outputs and so a partial last scale block) and every Linear call captured during decode step 0 of
// the runs bf16, fp8 and fp8_ue8m0, each replayed on its stored input. FP8 GEMMs match bit for bit on both CPU
// backends; the ue8m0 captures match only with the official reach of scale_fmt (quirk 10 of
// spec/golden/README.md §Quirks).

import { afterAll, describe, expect, it } from 'vitest';
import { Checkpoint } from '../../src/io/checkpoint.js';
import { fp8BlockDequantize, fp8Linear, fp8Quantize, linear } from '../../src/ops/index.js';
import { GoldenCase } from '../../src/models/deepseek/verify/golden-case.js';
import { replayLinears } from '../../src/models/deepseek/verify/linear-replay.js';
import { cpuBackends, firstDifference, runOnce } from './backends.js';
import { directoryFiles } from '../../src/io/local-files.js';

const DIR = 'spec/golden/v3-fp8-tiny';
const UNITS = { wq_a: 'model.layers.0.self_attn.q_a_proj', wkv_a: 'model.layers.0.self_attn.kv_a_proj_with_mqa' } as const;

const golden = GoldenCase.open(directoryFiles(DIR));
const ckpt = Checkpoint.open(directoryFiles(DIR));
const x = golden.tensor('linear_unit.x');
afterAll(() => {
  golden.close();
  ckpt.close();
});

describe.each(cpuBackends())('linear_unit on %s', (_, backend) => {
  it.each(['none', 'ue8m0'] as const)('act_quant of x with scale_fmt %s is bit-exact', async (fmt) => {
    const out = await runOnce(backend, { x }, ({ x }) => {
      const [q, s] = fp8Quantize(x!, 128, fmt);
      return { q, s };
    });
    expect(firstDifference(out.q!.data, golden.tensor(`linear_unit.${fmt}.act_q`).data)).toBe(-1);
    expect(firstDifference(out.s!.data, golden.tensor(`linear_unit.${fmt}.act_s`).data)).toBe(-1);
  });

  it.each(Object.keys(UNITS).flatMap((unit) => (['fp8', 'fp8_ue8m0'] as const).map((mode) => [unit, mode] as const)))('%s in mode %s is bit-exact', async (unit, mode) => {
    const name = UNITS[unit as keyof typeof UNITS];
    const w = ckpt.readIR(`${name}.weight`);
    const s = ckpt.readIR(`${name}.weight_scale_inv`);
    const out = await runOnce(backend, { x, w, s }, ({ x, w, s }) => ({ y: fp8Linear(x!, w!, s!, mode === 'fp8' ? 'none' : 'ue8m0') }));
    expect(firstDifference(out.y!.data, golden.tensor(`linear_unit.${mode}.${unit}`).data)).toBe(-1);
  });

  it.each(Object.keys(UNITS))('%s in mode bf16 (dequantise, f32 GEMM) is within 1e-6 of the largest output', async (unit) => {
    const name = UNITS[unit as keyof typeof UNITS];
    const w = ckpt.readIR(`${name}.weight`);
    const s = ckpt.readIR(`${name}.weight_scale_inv`);
    const out = await runOnce(backend, { x, w, s }, ({ x, w, s }) => ({ y: linear(x!, fp8BlockDequantize(w!, s!)) }));
    const want = golden.tensor(`linear_unit.bf16.${unit}`).data;
    const scale = Math.max(...Array.from(want, Math.abs));
    const worst = Math.max(...Array.from(want, (v, i) => Math.abs(out.y!.data[i]! - v)));
    console.log(`linear_unit.bf16.${unit}: max |Δ| ${worst.toExponential(2)} (${(worst / scale).toExponential(2)} of max |y|)`);
    expect(worst).toBeLessThanOrEqual(1e-6 * scale);
  });
});

describe.each(cpuBackends())('decode.0.linear captures on %s', (_, backend) => {
  const official = { gemm: 'fp8', scaleFmt: 'none', ue8m0Reach: 'official' } as const;
  it.each([
    ['fp8', official],
    ['fp8_ue8m0', { ...official, scaleFmt: 'ue8m0' }],
    ['bf16', { ...official, gemm: 'dequant' }],
  ] as const)('every Linear call of run %s', async (run, gemm) => {
    const results = await replayLinears(golden, run, gemm, backend);
    expect(results.length).toBe(golden.linearCaptures(run).length);
    expect(results.length).toBeGreaterThanOrEqual(24);
    expect(results.filter((c) => !c.pass)).toEqual([]);
    if (gemm.gemm === 'fp8') expect(results.filter((c) => c.tolerance === 'bit-exact').length).toBe(results.length - 1);
  });

  it('ue8m0 on every layer misses the Column/RowParallel captures of run fp8_ue8m0', async () => {
    const results = await replayLinears(golden, 'fp8_ue8m0', { gemm: 'fp8', scaleFmt: 'ue8m0', ue8m0Reach: 'all' }, backend);
    const failed = results.filter((c) => !c.pass).map((c) => c.name);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((n) => /attn\.(wq_b|wo)|ffn\.(w[123]|shared_experts)/.test(n))).toBe(true);
  });
});
