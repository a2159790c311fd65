// Models a training run builds in memory rather than reads from a folder: the random start of `--config` (the very
// tensors `dsv3 init --dtype f32` writes for the same config, seed and std), and the parameters of the step that
// went non-finite, replayed to find where (first-non-finite.ts). Both are config.json and one f32 model.safetensors
// held in memory, loaded as any checkpoint is.

import { memoryFiles } from '../../io/file-set.js';
import { safetensorsBytes } from '../../io/safetensors-bytes.js';
import { parseModelConfig } from '../../models/deepseek/config.js';
import { checkpointTensors, modelLayout } from '../../models/deepseek/layout.js';
import { loadModel, type LoadedModel } from '../../models/deepseek/loaded-model.js';
import { initialValues } from '../../models/deepseek/random-checkpoint.js';
import { normalDraws } from '../../models/deepseek/random-draws.js';
import type { TrainingParameters } from '../parameters.js';
import { f32Config } from './run-checkpoint.js';

type F32Tensors = Record<string, { readonly dtype: 'F32'; readonly shape: readonly number[]; readonly data: Float32Array }>;

function inMemory(label: string, config: Readonly<Record<string, unknown>>, tensors: F32Tensors, maxSeqLen: number): LoadedModel {
  const files = memoryFiles(label, { 'config.json': JSON.stringify(f32Config(config)), 'model.safetensors': safetensorsBytes(`${label}/model.safetensors`, tensors) });
  return loadModel(files, { maxSeqLen });
}

/** A model of random weights for config.json `json` (`where` names it in errors), as dsv3 init draws them in f32. */
export function randomModel(json: Readonly<Record<string, unknown>>, where: string, o: { readonly seed: number; readonly std: number; readonly maxSeqLen: number }): LoadedModel {
  if (!(o.std > 0 && Number.isFinite(o.std))) throw new RangeError(`the standard deviation of the random weights must be a finite number > 0, got ${o.std}`);
  const layout = modelLayout(parseModelConfig(json, where));
  const values = initialValues(layout, normalDraws('independent', o.std, o.seed, 'F32'), 'F32');
  const tensors: F32Tensors = Object.fromEntries(
    checkpointTensors(layout).map((t) => [t.name, { dtype: 'F32', shape: t.shape, data: values.f32(t, { start: 0, count: t.shape[0]! }) }] as const),
  );
  return inMemory(`random weights for ${where}`, json, tensors, o.maxSeqLen);
}

/** The model as `parameters` hold it now. */
export function parametersModel(config: Readonly<Record<string, unknown>>, parameters: TrainingParameters, maxSeqLen: number): LoadedModel {
  const tensors: F32Tensors = Object.fromEntries(
    checkpointTensors(parameters.layout).map((t) => [t.name, { dtype: 'F32', shape: t.shape, data: parameters.values.get(t.name) ?? parameters.biases.get(t.name)! }] as const),
  );
  return inMemory('the parameters being trained', config, tensors, maxSeqLen);
}
