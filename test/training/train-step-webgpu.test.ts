// The whole training step (src/training/step.ts) on WebGPU against the golden step (spec/golden/v3-tiny-train): every
// tolerance of its README, through the comparisons `dsv3 verify` makes (one run, since lavapipe compiles each of the
// gradient graph's shaders slowly).

import { expect, it } from 'vitest';
import { directoryFiles } from '../../src/io/local-files.js';
import { GoldenCase } from '../../src/models/deepseek/verify/golden-case.js';
import { verifyRun } from '../../src/models/deepseek/verify/run-case.js';
import { useWebGpuBackend } from '../backends/webgpu/program-harness.js';
import { TRAIN_CASE } from './train-golden.js';

const gpu = useWebGpuBackend();

it('one training step on WebGPU meets every tolerance of the golden step', async () => {
  const golden = GoldenCase.open(directoryFiles(TRAIN_CASE));
  try {
    const [run] = golden.runs().runs;
    const results = await verifyRun(golden, run!, await gpu());
    expect(results.filter((c) => !c.pass)).toEqual([]);
    expect(results.filter((c) => c.name.startsWith('grad.')).length).toBe(203);
  } finally {
    golden.close();
  }
}, 1_800_000);
