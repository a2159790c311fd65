// A model ready to build graphs for: its config, the run settings, and its checked weights.

import { loadModelConfig, type ModelConfig } from './config.js';
import { defaultSettings, type ModelSettings } from './settings.js';
import { ModelWeights } from './weights.js';

export interface LoadedModel {
  readonly config: ModelConfig;
  readonly settings: ModelSettings;
  readonly weights: ModelWeights;
}

/** Reads `<dir>/config.json`, checks the checkpoint in `dir` against it, and applies setting overrides. */
export function loadModel(dir: string, overrides: Partial<ModelSettings> = {}): LoadedModel {
  const config = loadModelConfig(dir);
  const settings = defaultSettings(config, overrides);
  return { config, settings, weights: ModelWeights.open(dir, config, settings.gemm) };
}
