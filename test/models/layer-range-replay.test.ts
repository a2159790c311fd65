// Layer replay: layers A..B run on the captured input of layer A give, bit for bit, the whole run's captures of
// those layers (every phase, caches carried), on the compiled CPU backend and on the reference one; and only the
// replayed layers' weights are read from the checkpoint.

import { afterAll, describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import type { TensorData } from '../../src/ir/index.js';
import { watchedFiles } from '../../src/io/file-set.js';
import { directoryFiles, fileBytes } from '../../src/io/local-files.js';
import { SafetensorsFile } from '../../src/io/safetensors.js';
import { hiddenInputName, replayLayerRange, type HiddenPhase, type LayerRange } from '../../src/models/deepseek/layer-range-replay.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { Session } from '../../src/models/deepseek/session.js';
import { stepTensors } from '../../src/models/deepseek/step-tensors.js';

const DIR = 'spec/golden/v3-tiny-f32';
const PROMPT = [
  [4, 486, 292, 467, 359, 225],
  [328, 362, 388, 297, 104, 83],
];
const DECODE = [[[505], [281]], [[509], [396]]];
const POSITIONS = PROMPT[0]!.length + DECODE.length;

const backends = { cpu: cpuBackend(), 'cpu-reference': cpuBackend({ mode: 'reference' }) };
afterAll(() => Object.values(backends).forEach((b) => b.dispose()));

/** The whole run's captures of every phase, under their dump names. */
async function fullRun(backend: keyof typeof backends): Promise<Record<string, TensorData>> {
  const model = loadModel(directoryFiles(DIR), { maxSeqLen: POSITIONS });
  const session = new Session(model, backends[backend], { batch: 2, captures: true });
  try {
    const out = stepTensors('prefill', await session.forward(PROMPT));
    for (const [s, step] of DECODE.entries()) Object.assign(out, stepTensors(`decode.${s}`, await session.forward(step)));
    return out;
  } finally {
    session.dispose();
    model.weights.close();
  }
}

const PHASES = ['prefill', 'decode.0', 'decode.1'];
const phasesOf = (full: Record<string, TensorData>, first: number): HiddenPhase[] => PHASES.map((phase) => ({ phase, hidden: full[`${phase}.${hiddenInputName(first)}`]! }));

const bits = (t: TensorData) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

describe('replayLayerRange', () => {
  for (const backend of ['cpu', 'cpu-reference'] as const) {
    it(`matches the whole run's captures bit for bit on ${backend}`, async () => {
      const full = await fullRun(backend);
      for (const range of [{ first: 1, last: 2 }, { first: 0, last: 0 }]) {
        const model = loadModel(directoryFiles(DIR), { maxSeqLen: POSITIONS });
        const replayed = await replayLayerRange(model, backends[backend], range, phasesOf(full, range.first));
        model.weights.close();
        const layerNames = Object.keys(full).filter((n) => {
          const layer = /^(?:prefill|decode\.\d+)\.(?:attn|ffn|block|gate)\.(\d+)(\.|$)/.exec(n)?.[1];
          return layer !== undefined && Number(layer) >= range.first && Number(layer) <= range.last;
        });
        // Per phase: attn, ffn, block for every layer, and 4 router tensors for the MoE layers 1 and 2.
        expect(layerNames).toHaveLength(PHASES.length * (range.first === 0 ? 3 : 2 * 7));
        expect(Object.keys(replayed).sort()).toEqual(layerNames.sort());
        for (const name of layerNames) expect(bits(replayed[name]!).equals(bits(full[name]!)), name).toBe(true);
      }
    });
  }

  it("reads only the replayed layers' weights", async () => {
    const full = await fullRun('cpu');
    const check = async (range: LayerRange) => {
      const reads: { position: number; end: number }[] = [];
      const model = loadModel(
        watchedFiles(directoryFiles(DIR), ({ position, bytes }) => reads.push({ position, end: position + bytes })),
        { maxSeqLen: POSITIONS },
      );
      reads.length = 0; // the headers, read when the checkpoint is opened and checked
      await replayLayerRange(model, backends.cpu, range, phasesOf(full, range.first));
      model.weights.close();
      using file = SafetensorsFile.open(fileBytes(`${DIR}/model.safetensors`));
      return file.names().filter((n) => {
        const { byteOffset, byteLength } = file.info(n);
        return reads.some((r) => r.position < byteOffset + byteLength && r.end > byteOffset);
      });
    };
    const layerOf = (name: string) => /^model\.layers\.(\d+)\./.exec(name)?.[1];
    const one = await check({ first: 1, last: 1 });
    expect(new Set(one.map(layerOf))).toEqual(new Set(['1']));
    // Layer 1's attention, norms and router among them.
    expect(one).toEqual(expect.arrayContaining(['model.layers.1.self_attn.kv_a_proj_with_mqa.weight', 'model.layers.1.input_layernorm.weight', 'model.layers.1.mlp.gate.weight']));
    expect(new Set(await check({ first: 0, last: 0 }).then((names) => names.map(layerOf)))).toEqual(new Set(['0']));
  });
});
