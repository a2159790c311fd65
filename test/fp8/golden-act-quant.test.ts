// The fp8_quantize composite (DeepSeek's act_quant) against torch's act_quant tables in spec/golden/fp8-rounding,
// bit for bit, on the compiled CPU backend and the reference interpreter.

import { describe, expect, it } from 'vitest';
import { fp8Quantize } from '../../src/ops/index.js';
import { loadFp8Golden } from '../numerics/golden-fp8.js';
import { cpuBackends, firstDifference, runOnce } from './backends.js';

const golden = loadFp8Golden();
const CASES = ['randn', 'randn_x1000', 'randn_x1e-3', 'randn_x1e-6_amax_clamped', 'zero_blocks', 'wide_dynamic_range', 'ties_scale_one', 'scale_power_of_two_edge'];

describe.each(cpuBackends())('act_quant golden tables on %s', (_, backend) => {
  it.each(CASES.flatMap((name) => (['none', 'ue8m0'] as const).map((fmt) => [name, fmt] as const)))('%s, scale_fmt %s', async (name, fmt) => {
    const x = golden.f32(`act_quant.${name}.x`);
    const shape = golden.shape(`act_quant.${name}.x`);
    const out = await runOnce(backend, { x: { dtype: 'f32', shape, data: x } }, ({ x }) => {
      const [q, s] = fp8Quantize(x!, 128, fmt);
      return { q, s };
    });
    expect(firstDifference(out.q!.data, golden.u8(`act_quant.${name}.${fmt}.q`))).toBe(-1);
    expect(firstDifference(out.s!.data, golden.f32(`act_quant.${name}.${fmt}.s`))).toBe(-1);
  });
});
