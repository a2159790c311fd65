// A model ready to build graphs for: its config, the run settings, and its checked weights.

import type { FileSet } from '../../io/file-set.js';
import { loadModelConfig, type ModelConfig } from './config.js';
import { defaultSettings, type ModelSettings } from './settings.js';
import { ModelWeights } from './weights.js';

export interface LoadedModel {
  readonly config: ModelConfig;
  readonly settings: ModelSettings;
  readonly weights: ModelWeights;
}

/**
 * Reads the folder's config.json, checks its checkpoint against it, and applies setting overrides. The folder is a
 * directory (`directoryFiles(dir)`, Node) or files in memory (`memoryFiles(label, {...})`). `maxSeqLen` bounds the
 * runs: the rotary table has that many rows, and sessions' caches hold at most that many positions (default
 * max_position_embeddings; a run that knows its length passes it, as the command line does).
 */
export function loadModel(files: FileSet, overrides: Partial<ModelSettings> = {}): LoadedModel {
  const config = loadModelConfig(files);
  const settings = defaultSettings(config, overrides);
  return { config, settings, weights: ModelWeights.open(files, config, settings.gemm, settings.maxSeqLen) };
}
