// Layer replay (`dsv3 forward --layers A..B --hidden-in F`): decoder layers A..B run on hidden states captured
// elsewhere (a port's dump of block.<A-1>, or of the embedding for A = 0), phase after phase — the prefill at
// position 0, then decode.0, decode.1, ... at the positions after it — each layer with caches of its own, the
// output of one layer feeding the next. The results have the names `forward --capture` gives the same tensors
// (docs/checking-a-port.md), so `dsv3 diff` compares them with the port's dump. Only layers A..B's weights are read:
// checking layer 40 of DeepSeek-V3 reads layer 40's weights, not the 690 GB around them.

import { tensorData, type TensorData } from '../../ir/index.js';
import type { Backend } from '../../backends/backend.js';
import { toIRDType, type FileDType, type SafetensorsFile } from '../../io/safetensors.js';
import { decodeToF32 } from '../../numerics/index.js';
import type { ModelConfig } from './config.js';
import { LayerRunner } from './layer-runner.js';
import type { LoadedModel } from './loaded-model.js';
import { numbered } from './model.js';
import { nonFiniteElement } from './non-finite.js';

/** Decoder layers first..last, both included. */
export interface LayerRange {
  readonly first: number;
  readonly last: number;
}

/** One phase's input hidden states, f32 [batch, S, hidden]. */
export interface HiddenPhase {
  readonly phase: string;
  readonly hidden: TensorData;
}

export class HiddenInError extends Error {
  override name = 'HiddenInError';
}

/** Float dtypes whose every value is exact in f32 (F64 is not). */
const EXACT_IN_F32: readonly FileDType[] = ['F32', 'BF16', 'F16', 'F8_E4M3', 'F8_E5M2'];

/** The dump name of the hidden state layer `first` takes: the embedding, or the block output before it. */
export const hiddenInputName = (first: number): string => (first === 0 ? 'embed' : `block.${first - 1}`);

/** Checks `range` against the model's decoder layers (the MTP modules after them are not replayed). */
export function checkLayerRange(config: ModelConfig, { first, last }: LayerRange): void {
  const n = config.numHiddenLayers;
  if (first > last) throw new RangeError(`layers ${first}..${last}: the first layer comes after the last`);
  if (last >= n) throw new RangeError(`layers ${first}..${last}: the model has ${n} decoder layers, 0..${n - 1} (num_hidden_layers ${n}); MTP modules are not replayed`);
}

/** The hidden state `name` of `file`, checked: a float dtype exact in f32, shape [batch, S, hidden]. */
function hiddenTensor(file: SafetensorsFile, name: string, config: ModelConfig, why: string): TensorData {
  const what = `${file.path}: tensor "${name}"`;
  const { dtype, shape } = file.info(name);
  if (!EXACT_IN_F32.includes(dtype)) throw new HiddenInError(`${what} is ${dtype}; ${why} must be a float tensor exact in f32 (${EXACT_IN_F32.join(', ')})`);
  const D = config.hiddenSize;
  if (shape.length !== 3 || shape[0]! < 1 || shape[1]! < 1 || shape[2] !== D)
    throw new HiddenInError(`${what} has shape [${shape.join(', ')}]; ${why} must be [batch, positions, ${D}] (hidden_size ${D})`);
  const hidden = tensorData('f32', shape, decodeToF32(file.readIR(name).data, toIRDType(dtype, what)));
  const bad = nonFiniteElement(hidden);
  if (bad !== undefined) throw new HiddenInError(`${what} holds ${bad}; ${why} must be finite`);
  return hidden;
}

/**
 * The phases of `file` that hold the input of layer `range.first` (`prefill.<input>`, then `decode.<s>.<input>`
 * for s = 0, 1, ... without gaps), checked against the model and against each other; other tensors are ignored.
 */
export function readHiddenIn(file: SafetensorsFile, config: ModelConfig, range: LayerRange): HiddenPhase[] {
  const input = hiddenInputName(range.first);
  const why = `the input of layer ${range.first} (${range.first === 0 ? 'the token embeddings' : `layer ${range.first - 1}'s block output`})`;
  const prefill = `prefill.${input}`;
  if (!file.has(prefill)) {
    const candidates = file.names().filter((n) => /(^|\.)(embed|block\.\d+)$/.test(n));
    const held = candidates.length === 0 ? 'it holds no embed or block.<i> tensor' : `it holds ${candidates.slice(0, 6).join(', ')}${candidates.length > 6 ? `, ... (${candidates.length})` : ''}`;
    throw new HiddenInError(`${file.path}: no tensor "${prefill}", ${why} for the prefill (docs/checking-a-port.md names it); ${held}`);
  }
  const steps = file.names().flatMap((n) => {
    const step = new RegExp(`^decode\\.(\\d+)\\.${input.replace('.', '\\.')}$`).exec(n)?.[1];
    return step === undefined ? [] : [Number(step)];
  });
  const count = steps.length === 0 ? 0 : Math.max(...steps) + 1;
  for (let s = 0; s < count; s++) {
    if (!steps.includes(s)) throw new HiddenInError(`${file.path}: has "decode.${count - 1}.${input}" but no "decode.${s}.${input}"; decode steps run in order from 0`);
  }
  const phases = ['prefill', ...Array.from({ length: count }, (_, s) => `decode.${s}`)].map((phase) => ({ phase, hidden: hiddenTensor(file, `${phase}.${input}`, config, why) }));
  const batch = phases[0]!.hidden.shape[0]!;
  for (const { phase, hidden } of phases) {
    if (hidden.shape[0] !== batch) throw new HiddenInError(`${file.path}: tensor "${phase}.${input}" has batch ${hidden.shape[0]}, "${prefill}" has ${batch}; every phase needs the same rows`);
  }
  return phases;
}

/** The positions a replay of `phases` reaches: every phase's positions, one after the other. */
export const replayPositions = (phases: readonly HiddenPhase[]): number => phases.reduce((n, p) => n + p.hidden.shape[1]!, 0);

/**
 * Runs layers `range` over `phases` in order and returns, per phase, what `forward --capture` names the layers'
 * tensors: <phase>.attn.<i>, .ffn.<i>, .block.<i> and, for MoE layers, .gate.<i>.input / .scores / .indices /
 * .weights. `model` must hold the positions of every phase (loadModel's maxSeqLen >= replayPositions).
 */
export async function replayLayerRange(model: LoadedModel, backend: Backend, range: LayerRange, phases: readonly HiddenPhase[]): Promise<Record<string, TensorData>> {
  checkLayerRange(model.config, range);
  const batch = phases[0]!.hidden.shape[0]!;
  const runners = Array.from({ length: range.last - range.first + 1 }, (_, k) => new LayerRunner(model, backend, range.first + k, batch));
  const out: Record<string, TensorData> = {};
  try {
    for (const { phase, hidden } of phases) {
      let x = hidden;
      for (const runner of runners) {
        const outputs = await runner.run(x);
        for (const [name, t] of Object.entries(outputs)) out[`${phase}.${numbered(name, runner.layer)}`] = t;
        x = outputs.block!;
      }
    }
  } finally {
    for (const runner of runners) runner.dispose();
  }
  return out;
}
