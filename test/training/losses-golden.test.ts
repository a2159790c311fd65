// The training losses graph against the golden step (spec/golden/v3-tiny-train) on the CPU backends: every loss
// within abs 1e-5 (the balance losses, about 1e-4, within rel 1e-5), the logits as the inference goldens, the routing
// used as exact expert sets, and the balance loss's f and P per sequence.

import { afterAll, describe, expect, it } from 'vitest';
import { openBackend } from '../../src/backends/registry.js';
import { lossComparisons, loadTrainModel, openTrainCase, runLosses } from './train-golden.js';

describe.each(['cpu', 'cpu-reference'])('training losses on %s', (name) => {
  const golden = openTrainCase();
  const model = loadTrainModel();
  afterAll(() => {
    model.weights.close();
    golden.close();
  });

  it('match the golden step', async () => {
    const backend = await openBackend(name);
    try {
      const failing = lossComparisons(await runLosses(backend, model, golden), golden).filter((c) => !c.pass);
      expect(failing).toEqual([]);
    } finally {
      backend.dispose();
    }
  });
});
