// The whole training step (src/training/step.ts) on WebGPU against the golden step (spec/golden/v3-tiny-train): every
// tolerance of its README, through the comparisons `dsv3 verify` makes (one run, since lavapipe compiles each of the
// gradient graph's shaders slowly).

import { expect, it } from 'vitest';
import { directoryFiles } from '../../src/io/local-files.js';
import { GoldenCase } from '../../src/models/deepseek/verify/golden-case.js';
import { verifyRun } from '../../src/models/deepseek/verify/run-case.js';
import { useWebGpuBackend } from '../backends/webgpu/program-harness.js';
import { TRAIN_CASE } from './train-golden.js';

// Lavapipe compiles the gradient graph's 621 pipelines for tens of minutes with a cold shader cache, too long for
// CI (which checks training on WebGPU through the loss graph and the conformance suite's gradient cases); the full
// step runs by `DSV3_TRAIN_WEBGPU=1 npx vitest run test/training/train-step-webgpu.test.ts`.
const full = process.env.DSV3_TRAIN_WEBGPU === '1';
if (!full) console.warn('test/training/train-step-webgpu.test.ts: SKIPPED (the full training step on WebGPU runs with DSV3_TRAIN_WEBGPU=1)');
const gpu = useWebGpuBackend();

it.runIf(full)('one training step on WebGPU meets every tolerance of the golden step', async () => {
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
