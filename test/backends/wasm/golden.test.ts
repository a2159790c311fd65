// Every run of every golden case on the wasm backend, as `dsv3 verify --backend wasm` runs them: each stored tensor
// within the golden tolerances (src/models/deepseek/verify/tolerance.ts) of DeepSeek's official code.

import { afterAll, describe, expect, it } from 'vitest';
import { wasmBackend } from '../../../src/backends/wasm/backend.js';
import { GoldenCase } from '../../../src/models/deepseek/verify/golden-case.js';
import { verifyRun } from '../../../src/models/deepseek/verify/run-case.js';
import { directoryFiles } from '../../../src/io/local-files.js';

const CASES = ['v3-tiny-f32', 'v3-fp8-tiny', 'v3-tiny-mtp', 'v2lite-tiny-f32'];

for (const name of CASES) {
  describe(`golden ${name} (wasm)`, () => {
    const golden = GoldenCase.open(directoryFiles(`spec/golden/${name}`));
    const backend = wasmBackend();
    afterAll(() => {
      golden.close();
      backend.dispose();
    });
    for (const run of golden.runs().runs) {
      it(`${run.name} with ${run.attention} attention`, async () => {
        const results = await verifyRun(golden, run, backend);
        expect(results.filter((c) => !c.pass)).toEqual([]);
        expect(results.length).toBeGreaterThan(0);
      });
    }
  });
}
