// The training golden case (spec/golden/README.md §The training case): its expected tensors
// (spec/golden/v3-tiny-train), its model (v3-tiny-mtp's, of which the case's are byte copies), its hyperparameters,
// and the loss graph run on a backend.

import type { Backend } from '../../src/backends/backend.js';
import { tensorData, type TensorData } from '../../src/ir/index.js';
import { compareF32, compareIndices, type Comparison } from '../../src/models/deepseek/verify/compare.js';
import { directoryFiles } from '../../src/io/local-files.js';
import { loadModel, type LoadedModel } from '../../src/models/deepseek/loaded-model.js';
import { SafetensorsFile } from '../../src/io/safetensors.js';
import { buildLossGraph } from '../../src/training/index.js';

export const TRAIN_CASE = 'spec/golden/v3-tiny-train';

/** manifest.json → hyperparameters. */
export const HYPER = { lambda: 0.3, alpha: 1e-4, gamma: 1e-3, lr: 1e-3, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0.1, maxNorm: 1 } as const;

/** The model the step trains: config.json and model.safetensors. */
export const TRAIN_MODEL = 'spec/golden/v3-tiny-mtp';

/** The expected tensors (expected.safetensors). */
export const openTrainCase = (): SafetensorsFile => SafetensorsFile.open(directoryFiles(TRAIN_CASE).open('expected.safetensors'));

export const loadTrainModel = (): LoadedModel => loadModel(directoryFiles(TRAIN_MODEL), { maxSeqLen: 12 });

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

const LOSS = { abs: 1e-5, rel: 0 };
const BALANCE = { abs: 0, rel: 1e-5 };
const MOE_LAYERS = [1, 2, 3];

/** Every checked tensor of the golden step against the loss graph's outputs (MTP module 0 is TRAIN.md's `mtp`). */
export function lossComparisons(got: Readonly<Record<string, TensorData>>, golden: SafetensorsFile): Comparison[] {
  const f32 = (name: string, ours: string, tolerance = LOSS) => compareF32(name, got[ours]!, golden.readIR(name), tolerance);
  return [
    ...['loss.main', 'loss.total'].map((n) => f32(n, n)),
    f32('loss.mtp', 'loss.mtp.0'),
    f32('loss.mtp', 'loss.mtp'),
    ...['loss.balance', 'loss.balance.main', 'loss.balance.mtp', ...MOE_LAYERS.map((l) => `loss.balance.${l}`)].map((n) => f32(n, n, BALANCE)),
    ...MOE_LAYERS.flatMap((l) => [
      compareIndices(`route.${l}.indices`, got[`route.${l}.indices`]!, golden.readIR(`route.${l}.indices`)),
      f32(`balance.${l}.f`, `balance.${l}.f`, { abs: 1e-6, rel: 1e-6 }),
      f32(`balance.${l}.P`, `balance.${l}.P`, { abs: 1e-6, rel: 1e-5 }),
    ]),
    compareF32('fwd.main.logits', got['fwd.main.logits']!, golden.readIR('fwd.main.logits')),
    compareF32('fwd.mtp.logits', got['fwd.mtp.0.logits']!, golden.readIR('fwd.mtp.logits')),
  ];
}
