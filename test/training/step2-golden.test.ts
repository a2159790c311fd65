// The golden step end to end past the optimizer: the checkpoint after the step (the golden adamw.param.*, tied
// copies set from their main tensors, routers' biases from our bias update of the step-1 routing) through the loss
// graph gives the golden step-2 losses (abs 1e-5; balance rel 1e-5) and routing.

import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { directoryFiles } from '../../src/io/local-files.js';
import { SafetensorsFile, type FileArray, type TensorSpec } from '../../src/io/safetensors.js';
import { writeSafetensors } from '../../src/io/safetensors-writer.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { compareF32, compareIndices } from '../../src/models/deepseek/verify/compare.js';
import { copyTiedParameters, expertCounts, tiedParameters, updateRouterBias } from '../../src/training/index.js';
import { tempDir } from '../io/temp-dir.js';
import { HYPER, loadTrainModel, openTrainCase, runLosses, TRAIN_CASE } from './train-golden.js';

const MOE_LAYERS = [1, 2, 3];

it('the checkpoint after the golden step gives the golden step-2 losses and routing', async () => {
  const golden = openTrainCase();
  const before = loadTrainModel();
  const dir = tempDir();
  const backend = cpuBackend();
  try {
    using checkpoint = SafetensorsFile.open(directoryFiles(TRAIN_CASE).open('model.safetensors'));
    const params = new Map<string, Float32Array>(checkpoint.names().map((n) => [n, Float32Array.from(checkpoint.read(n) as Float32Array)]));
    for (const name of params.keys()) if (golden.has(`adamw.param.${name}`)) params.set(name, golden.readIR(`adamw.param.${name}`).data as Float32Array);
    copyTiedParameters(params, tiedParameters(before.weights.layout));
    for (const l of MOE_LAYERS) {
      const name = `model.layers.${l}.mlp.gate.e_score_correction_bias`;
      params.set(name, updateRouterBias(params.get(name)!, expertCounts(golden.readIR(`route.${l}.indices`).data, before.config.nRoutedExperts), HYPER.gamma));
    }
    const tensors: Record<string, TensorSpec & { data: FileArray }> = {};
    for (const [name, data] of params) tensors[name] = { ...checkpoint.info(name), data };
    writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
    fs.copyFileSync(path.join(TRAIN_CASE, 'config.json'), path.join(dir, 'config.json'));

    const after = loadModel(directoryFiles(dir), { maxSeqLen: 12 });
    try {
      const got = await runLosses(backend, after, golden);
      const loss = (name: string, tolerance = { abs: 1e-5, rel: 0 }) => compareF32(name, got[name]!, golden.readIR(`step2.${name}`), tolerance);
      const checks = [
        ...['loss.main', 'loss.mtp', 'loss.total'].map((n) => loss(n)),
        ...['loss.balance', ...MOE_LAYERS.map((l) => `loss.balance.${l}`)].map((n) => loss(n, { abs: 0, rel: 1e-5 })),
        ...MOE_LAYERS.map((l) => compareIndices(`route.${l}.indices`, got[`route.${l}.indices`]!, golden.readIR(`step2.route.${l}.indices`))),
      ];
      expect(checks.filter((c) => !c.pass)).toEqual([]);
    } finally {
      after.weights.close();
    }
  } finally {
    backend.dispose();
    before.weights.close();
    golden.close();
  }
});
