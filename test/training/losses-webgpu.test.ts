// The training losses graph on WebGPU against the golden step (the checks of losses-golden.test.ts; one run, since
// lavapipe compiles each of its shaders slowly).

import { afterAll, expect, it } from 'vitest';
import { useWebGpuBackend } from '../backends/webgpu/program-harness.js';
import { lossComparisons, loadTrainModel, openTrainCase, runLosses } from './train-golden.js';

const gpu = useWebGpuBackend();
const golden = openTrainCase();
const model = loadTrainModel();
afterAll(() => {
  model.weights.close();
  golden.close();
});

it('the training losses on WebGPU match the golden step', async () => {
  const failing = lossComparisons(await runLosses(await gpu(), model, golden), golden).filter((c) => !c.pass);
  expect(failing).toEqual([]);
}, 600_000);
