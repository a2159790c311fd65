// The model on WebGPU: every golden run whose Linear layers are f32 GEMMs (FP8 GEMM runs are the FP8 work's), in
// both attention forms, through the Session exactly as `dsv3 verify` runs it. The worst f32 error of each run is
// printed so test logs record it. Slow on a software adapter: most of the time is compiling pipelines.

import { afterAll, describe, expect, it } from 'vitest';
import { GoldenCase, type GoldenRun } from '../../../src/models/deepseek/verify/golden-case.js';
import { verifyRun } from '../../../src/models/deepseek/verify/run-case.js';
import type { Comparison } from '../../../src/models/deepseek/verify/compare.js';
import { useWebGpuBackend } from './program-harness.js';
import { directoryFiles } from '../../../src/io/local-files.js';

const gpu = useWebGpuBackend();
const CASES = ['v3-tiny-f32', 'v2lite-tiny-f32', 'v3-tiny-mtp', 'v3-fp8-tiny'];

const usesFp8Gemms = (run: GoldenRun): boolean => (run as { linear?: { gemm?: string } }).linear?.gemm === 'fp8';

for (const name of CASES) {
  describe(`golden ${name} on WebGPU`, () => {
    const golden = GoldenCase.open(directoryFiles(`spec/golden/${name}`));
    afterAll(() => golden.close());
    for (const run of golden.runs().runs.filter((r) => !usesFp8Gemms(r))) {
      it(`${run.name} with ${run.attention} attention`, async () => {
        const started = performance.now();
        const results: Comparison[] = await verifyRun(golden, run, await gpu());
        const floats = results.filter((c) => c.tolerance.includes('·|b|'));
        const worst = floats.reduce((m, c) => Math.max(m, c.maxError), 0);
        console.log(`${name} ${run.name}/${run.attention} on WebGPU: ${results.length} comparisons, max |Δ| f32 ${worst.toExponential(2)} over ${floats.length} tensors, ${((performance.now() - started) / 1000).toFixed(1)} s`);
        expect(results.filter((c) => !c.pass)).toEqual([]);
        expect(results.length).toBeGreaterThan(0);
      }, 900_000);
    }
  });
}
