// The training golden case (spec/golden/README.md §The training case): its expected tensors and model
// (spec/golden/v3-tiny-train), its hyperparameters, and the loss graph run on a backend.

import type { Backend } from '../../src/backends/backend.js';
import { tensorData, type TensorData } from '../../src/ir/index.js';
import type { Comparison } from '../../src/models/deepseek/verify/compare.js';
import { forwardComparisons } from '../../src/models/deepseek/verify/training-run.js';
import { directoryFiles } from '../../src/io/local-files.js';
import { loadModel, type LoadedModel } from '../../src/models/deepseek/loaded-model.js';
import { SafetensorsFile } from '../../src/io/safetensors.js';
import { buildLossGraph } from '../../src/training/index.js';

/** The case: its expected step, and the model it trains (config.json and model.safetensors, v3-tiny-mtp's copies). */
export const TRAIN_CASE = 'spec/golden/v3-tiny-train';

/** manifest.json → hyperparameters. */
export const HYPER = { lambda: 0.3, alpha: 1e-4, gamma: 1e-3, lr: 1e-3, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0.1, maxNorm: 1 } as const;

/** The expected tensors (expected.safetensors). */
export const openTrainCase = (): SafetensorsFile => SafetensorsFile.open(directoryFiles(TRAIN_CASE).open('expected.safetensors'));

export const loadTrainModel = (): LoadedModel => loadModel(directoryFiles(TRAIN_CASE), { maxSeqLen: 12 });

/** The loss graph's outputs for the golden batch on `backend`. */
export async function runLosses(backend: Backend, model: LoadedModel, golden: SafetensorsFile): Promise<Record<string, TensorData>> {
  const tokens = golden.readIR('inputs.tokens');
  const [batch, seqLen] = tokens.shape as [number, number];
  const graph = buildLossGraph(model.config, model.settings, model.weights.layout, { batch, seqLen });
  const exe = await backend.compile(graph, model.weights);
  try {
    const scalar = (x: number) => tensorData('f32', [], Float32Array.of(x));
    const run = await exe.run({ tokens, mtp_lambda: scalar(HYPER.lambda), balance_alpha: scalar(HYPER.alpha) });
    return run.outputs;
  } finally {
    exe.dispose();
  }
}

/** The loss graph's outputs against the golden step's forward, as `dsv3 verify` compares them. */
export const lossComparisons = (got: Readonly<Record<string, TensorData>>, golden: SafetensorsFile): Comparison[] =>
  forwardComparisons(got, { names: () => golden.names(), has: (n) => golden.has(n), tensor: (n) => golden.readIR(n) });
