// One describe block per golden case: every run this implementation reproduces, on the CPU reference backend,
// with every stored tensor compared (tolerances: src/models/deepseek/verify/tolerance.ts). The worst errors
// are printed so test logs record them.

import { afterAll, describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { GoldenCase } from '../../src/models/deepseek/verify/golden-case.js';
import { verifyRun } from '../../src/models/deepseek/verify/run-case.js';
import type { Comparison } from '../../src/models/deepseek/verify/compare.js';
import { directoryFiles } from '../../src/io/local-files.js';

const worst = (results: readonly Comparison[], pick: (c: Comparison) => boolean): string => {
  const list = results.filter(pick);
  const max = list.reduce((m, c) => Math.max(m, c.maxError), 0);
  return `${max.toExponential(2)} over ${list.length} tensors`;
};

export function describeGoldenCase(name: string, expectedRuns: readonly string[]): void {
  describe(`golden ${name} (cpu reference)`, () => {
    const golden = GoldenCase.open(directoryFiles(`spec/golden/${name}`));
    const backend = cpuBackend({ mode: 'reference' });
    const { runs } = golden.runs();
    afterAll(() => {
      golden.close();
      backend.dispose();
    });

    it('reproduces the expected runs', () => {
      expect(runs.map((r) => `${r.name}/${r.attention}`)).toEqual(expectedRuns);
    });

    for (const run of runs) {
      it(`${run.name} with ${run.attention} attention`, async () => {
        const results = await verifyRun(golden, run, backend);
        const floats = (c: Comparison) => c.tolerance.includes('·|b|');
        console.log(
          `${name} ${run.name}/${run.attention}: ${results.length} comparisons; max |Δ| f32 ${worst(results, floats)}; ` +
            `gate weights ${worst(results, (c) => c.name.endsWith('.weights'))}; routing mismatches ${worst(results, (c) => c.name.endsWith('.indices'))}`,
        );
        expect(results.filter((c) => !c.pass)).toEqual([]);
        expect(results.length).toBeGreaterThan(0);
      });
    }
  });
}
