// The per-block golden check: each decoder layer replayed over the run's prefill and decode steps on the stored
// input of that layer (the embedding, or block.<i-1>) with caches of its own, against the stored block, attn, ffn
// and routing outputs of the layer. An error in one layer never reaches the next, so under FP8 GEMMs, where a
// whole run is chaotic, this check stays tight.

import type { Backend } from '../../../backends/backend.js';
import { LayerRunner } from '../layer-runner.js';
import type { LoadedModel } from '../loaded-model.js';
import { Checker } from './checker.js';
import type { Comparison } from './compare.js';
import type { GoldenCase } from './golden-case.js';
import type { CheckTolerance } from './tolerance.js';

/** The phases of the golden protocol: the prefill at 0, then one-token decode steps. */
const phases = (golden: GoldenCase): string[] => ['prefill', ...golden.tokens('decode')[0]!.map((_, s) => `decode.${s}`)];

const inputKey = (run: string, phase: string, layer: number): string => `${run}.${phase}.${layer === 0 ? 'embed' : `block.${layer - 1}`}`;

async function replayLayer(golden: GoldenCase, run: string, model: LoadedModel, backend: Backend, layer: number, check: Checker): Promise<void> {
  const runner = new LayerRunner(model, backend, layer, golden.tokens('prefill').length);
  try {
    for (const phase of phases(golden)) {
      const outputs = await runner.run(golden.tensor(inputKey(run, phase, layer)));
      const prefix = `${run}.${phase}`;
      for (const part of ['block', 'attn', 'ffn']) check.f32(`${prefix}.${part}.${layer}`, outputs[part]);
      check.f32(`${prefix}.gate.${layer}.input`, outputs['gate.input']);
      check.gate(`${prefix}.gate.${layer}`, outputs['gate.indices'], outputs['gate.weights']);
    }
  } finally {
    runner.dispose();
  }
}

/** Every layer whose inputs the run stores for all phases, replayed; comparisons are labelled "replay". */
export async function replayLayers(golden: GoldenCase, run: string, model: LoadedModel, backend: Backend, tolerance: CheckTolerance): Promise<Comparison[]> {
  const check = new Checker(golden, tolerance, 'replay ');
  for (let layer = 0; layer < model.config.numHiddenLayers; layer++) {
    if (phases(golden).every((phase) => golden.has(inputKey(run, phase, layer)))) await replayLayer(golden, run, model, backend, layer, check);
  }
  return check.results;
}
