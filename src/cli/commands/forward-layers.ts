// `dsv3 forward --layers A..B --hidden-in F.safetensors`: layer replay (models/deepseek/layer-range-replay.ts).
// Decoder layers A..B run on hidden states a port wrote, with the captures `forward --capture` writes for them.

import type { TensorData } from '../../ir/index.js';
import { fileBytes } from '../../io/local-files.js';
import { SafetensorsFile } from '../../io/safetensors.js';
import type { ModelConfig } from '../../models/deepseek/config.js';
import { checkLayerRange, readHiddenIn, replayLayerRange, replayPositions, type LayerRange } from '../../models/deepseek/layer-range-replay.js';
import type { LoadedModel } from '../../models/deepseek/loaded-model.js';
import { nonFiniteOutputs } from '../../models/deepseek/non-finite.js';
import { formatReadReport, readReport, TouchedWeights, type ReadReport } from '../../models/deepseek/read-report.js';
import { kvCacheBytes } from '../../models/deepseek/session.js';
import type { Backend } from '../../backends/backend.js';
import { CheckFailure, UsageError, type Options } from '../command.js';
import type { RunLength } from '../run-length.js';

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export const LAYERS_OPTIONS: Options = { layers: { type: 'string' }, 'hidden-in': { type: 'string' } };

export const LAYERS_HELP = `  --layers A..B       layer replay: run only decoder layers A to B (or A alone: --layers A), each with KV
                      caches of its own, on the hidden states of --hidden-in instead of tokens, and write
                      the captures of those layers (as --capture names them); only their weights are read
  --hidden-in FILE    with --layers: a safetensors file holding the input of layer A for every phase,
                      prefill.block.<A-1> (prefill.embed for A = 0) and decode.<s>.block.<A-1> for each decode
                      step s from 0, each [batch, positions, hidden_size] in a float dtype exact in f32 (F32,
                      BF16, F16, FP8); the prefill runs at position 0 and each step at the positions after the
                      ones before; other tensors in the file are ignored; --report-reads says what the
                      replay read, against the least it had to`;

/** The options that make no sense for a replay, and why. */
const NOT_WITH_LAYERS: Readonly<Record<string, string>> = {
  tokens: 'the layers run on the --hidden-in hidden states, not on tokens',
  decode: 'the decode steps are the decode.<s> phases of --hidden-in',
  profile: 'a replay is not profiled',
  'memory-budget': 'a replay holds only the weights of layers A..B',
};

/** --layers A..B or A, in decimal digits, checked against the model. */
function layerRangeArg(text: string, config: ModelConfig): LayerRange {
  const m = /^(\d+)(?:\.\.(\d+))?$/.exec(text);
  if (m === null) throw new UsageError(`dsv3 forward: --layers must be A..B or A (layer numbers in decimal digits), got "${text}"`);
  const range = { first: Number(m[1]), last: Number(m[2] ?? m[1]) };
  try {
    checkLayerRange(config, range);
  } catch (e) {
    throw new UsageError(`dsv3 forward: --layers ${(e as Error).message}`);
  }
  return range;
}

/** The KV caches of the replayed layers, said on stderr before they are allocated (not with --quiet). */
function announceLayerCaches(values: Values, model: LoadedModel, batch: number, range: LayerRange): void {
  if (values.quiet === true) return;
  const { config, settings } = model;
  // Every layer's caches have the same shape.
  const bytes = (kvCacheBytes(model, batch) / config.numHiddenLayers) * (range.last - range.first + 1);
  console.error(`dsv3 forward: KV caches: ${bytes.toLocaleString('en-US')} bytes (layers ${range.first}..${range.last}, batch ${batch}, ${settings.maxSeqLen} positions, f32, ${settings.attention} attention)`);
}

/** What the replay read from the checkpoint, against the least it had to: layers `range`, the experts chosen there. */
function replayReads(model: LoadedModel, range: LayerRange, results: Readonly<Record<string, TensorData>>): ReadReport {
  const touched = new TouchedWeights(model.weights.layout);
  for (let i = range.first; i <= range.last; i++) {
    touched.layer(i);
    for (const [name, t] of Object.entries(results)) if (name.endsWith(`.gate.${i}.indices`)) touched.layer(i, t);
  }
  return readReport(model.weights.checkpoint, touched);
}

/**
 * The replay's results under their dump names. `config` is the model's; `load` loads the model for a run of the
 * given length, `open` the backend once the inputs are checked.
 */
export async function replayedLayers(values: Values, config: ModelConfig, load: (run: RunLength) => LoadedModel, open: () => Promise<Backend>): Promise<Record<string, TensorData>> {
  for (const [option, why] of Object.entries(NOT_WITH_LAYERS)) {
    if (values[option] !== undefined && values[option] !== false) throw new UsageError(`dsv3 forward: --${option} cannot be given with --layers: ${why}`);
  }
  const layers = values.layers as string | undefined;
  const hiddenIn = values['hidden-in'] as string | undefined;
  if (layers === undefined) throw new UsageError('dsv3 forward: --hidden-in is for layer replay and needs --layers A..B');
  if (hiddenIn === undefined) throw new UsageError('dsv3 forward: --layers needs --hidden-in FILE, the hidden states the first layer takes');
  const range = layerRangeArg(layers, config);
  const phases = (() => {
    using file = SafetensorsFile.open(fileBytes(hiddenIn));
    return readHiddenIn(file, config, range);
  })();
  const positions = replayPositions(phases);
  const model = load({ positions, why: `the ${phases.length} phase(s) of ${hiddenIn}` });
  const batch = phases[0]!.hidden.shape[0]!;
  try {
    const backend = await open();
    try {
      announceLayerCaches(values, model, batch, range);
      const results = await replayLayerRange(model, backend, range, phases);
      const bad = nonFiniteOutputs(results);
      if (bad.length > 0) throw new CheckFailure(`the replayed layers computed outputs that are not finite: ${bad.slice(0, 3).join(', ')}${bad.length > 3 ? ` and ${bad.length - 3} more` : ''}`);
      if (values['report-reads'] === true) console.error(`dsv3 forward: ${formatReadReport(replayReads(model, range, results))}`);
      return results;
    } finally {
      backend.dispose();
    }
  } finally {
    model.weights.close();
  }
}
