// The FP8-GEMM runs of v3-fp8-tiny (fp8, fp8_naive, fp8_ue8m0 and the non-official fp8_ue8m0_all) through the golden
// runner on the compiled CPU backend (test/models runs them on the reference interpreter): whole runs within the
// FP8 end-to-end bound with identical routing, every layer replayed on its stored input, every captured Linear call
// bit for bit. On the CPU backends no act_quant tie flips, so the whole-run tensors also land within the f32
// tolerance; that is asserted too, as a regression guard (a flip would be legitimate on other backends).

import { afterAll, describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { GoldenCase } from '../../src/models/deepseek/verify/golden-case.js';
import { verifyRun } from '../../src/models/deepseek/verify/run-case.js';
import type { Comparison } from '../../src/models/deepseek/verify/compare.js';
import { directoryFiles } from '../../src/io/local-files.js';

const golden = GoldenCase.open(directoryFiles('spec/golden/v3-fp8-tiny'));
const backend = cpuBackend({ mode: 'compiled' });
afterAll(() => {
  golden.close();
  backend.dispose();
});

const fp8Runs = golden.runs().runs.filter((r) => r.kind === 'standard' && r.linear.gemm === 'fp8');
const worst = (list: readonly Comparison[]) => list.reduce((m, c) => Math.max(m, c.maxError), 0);
const isFloat = (c: Comparison) => c.tolerance.includes('·|b|');

describe('v3-fp8-tiny FP8-GEMM runs (cpu)', () => {
  it('are all listed', () => {
    expect(fp8Runs.map((r) => r.name)).toEqual(['fp8', 'fp8_naive', 'fp8_ue8m0', 'fp8_ue8m0_all']);
  });

  it.each(fp8Runs.map((r) => [r.name, r] as const))('%s', async (name, run) => {
    const results = await verifyRun(golden, run, backend);
    const replayed = results.filter((c) => c.name.startsWith('replay '));
    const linears = results.filter((c) => c.name.includes('.linear.'));
    const whole = results.filter((c) => !replayed.includes(c) && !linears.includes(c));
    console.log(
      `${name}: whole run max |Δ| ${worst(whole.filter(isFloat)).toExponential(2)} over ${whole.length} tensors, routing mismatches ${worst(whole.filter((c) => c.name.endsWith('.indices')))}; ` +
        `replayed layers ${worst(replayed.filter(isFloat)).toExponential(2)} over ${replayed.length}; Linear calls ${linears.filter((c) => c.tolerance === 'bit-exact').length} bit-exact`,
    );
    expect(results.filter((c) => !c.pass)).toEqual([]);
    expect(whole.filter((c) => c.name.endsWith('logits')).length).toBeGreaterThanOrEqual(5);
    expect(worst(whole.filter(isFloat))).toBeLessThan(2e-5);
    expect(worst(replayed.filter(isFloat))).toBeLessThan(2e-5);
    if (name === 'fp8' || name === 'fp8_ue8m0') {
      expect(replayed.length).toBeGreaterThan(0);
      expect(linears.filter((c) => c.tolerance === 'bit-exact').length).toBe(linears.length - 1);
    }
  });
});
