// Routed experts are read from the checkpoint only when a token selects them: a compiled CPU program whose MoE runs
// as gather_matmul kernels binds the stacked expert weights slice by slice (the store's `sliced`), loads each
// selected expert before reading it, reads exactly the experts the gates chose, and computes what it computes with
// every expert loaded up front.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { CpuProgramRunner } from '../../src/backends/cpu/program.js';
import { compile } from '../../src/compiler/compile.js';
import { Checkpoint } from '../../src/io/checkpoint.js';
import { tensorData, zeros, type TensorData } from '../../src/ir/index.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { buildModelGraph, cacheSpecs } from '../../src/models/deepseek/model.js';
import { directoryFiles } from '../../src/io/local-files.js';

const DIR = 'spec/golden/v3-tiny-f32';
const PROMPT = [4, 486, 292, 467, 359];
const EXPERT = /^model\.layers\.(\d+)\.mlp\.experts\.(\d+)\.(gate|up|down)_proj\.weight$/;

afterEach(() => {
  vi.restoreAllMocks();
});

/** A prefill of PROMPT by a compiled program without claims (MoE as gather_matmul); `eager` loads every expert first. */
function prefill(eager: boolean): Record<string, TensorData> {
  const model = loadModel(directoryFiles(DIR));
  const { config, settings, weights } = model;
  if (eager) for (const l of weights.layout.layers) if (l.ffn.kind === 'moe') for (const s of Object.values(l.ffn.moe.experts)) weights.get(s.name);
  const graph = buildModelGraph(config, settings, weights.layout, { batch: 1, seqLen: PROMPT.length });
  const runner = new CpuProgramRunner(compile(graph), weights);
  const caches = Object.fromEntries(cacheSpecs(config, settings, 1).map((c) => [c.name, zeros('f32', c.shape)]));
  const out = runner.run({ tokens: tensorData('i32', [1, PROMPT.length], Int32Array.from(PROMPT)), start_pos: tensorData('i32', [], Int32Array.of(0)), ...caches });
  weights.close();
  return out;
}

describe('lazily read experts', () => {
  it('reads only the experts some token selected, each projection once', () => {
    const read = vi.spyOn(Checkpoint.prototype, 'read');
    const out = prefill(false);
    const selected = new Set<string>();
    for (const [name, t] of Object.entries(out)) {
      const layer = /^gate\.(\d+)\.indices$/.exec(name)?.[1];
      if (layer !== undefined) for (const e of t.data) selected.add(`${layer}.${e}`);
    }
    const expertReads = read.mock.calls.map(([name]) => name).filter((name) => EXPERT.test(name));
    expect(new Set(expertReads.map((name) => EXPERT.exec(name)!.slice(1, 3).join('.')))).toEqual(selected);
    expect(expertReads).toHaveLength(new Set(expertReads).size);
    expect(expertReads).toHaveLength(3 * selected.size);
    expect(selected.size).toBeLessThan(2 * 16);
  });

  it('computes the same logits as with every expert loaded before the run', () => {
    expect(prefill(false).logits!.data).toEqual(prefill(true).logits!.data);
  });

  it('serves a stacked weight whole through get(), in the storage it fills slice by slice', () => {
    const model = loadModel(directoryFiles(DIR));
    const name = 'model.layers.1.mlp.experts.down_proj.stacked';
    const sliced = model.weights.sliced(name)!;
    sliced.load(3);
    const data = sliced.tensor.data;
    expect(data.subarray(0, 32 * 64).every((x) => x === 0)).toBe(true);
    expect(data.subarray(3 * 32 * 64, 4 * 32 * 64).some((x) => x !== 0)).toBe(true);
    expect(model.weights.get(name).data).toBe(data);
    expect(data.subarray(0, 32 * 64).some((x) => x !== 0)).toBe(true);
    expect(model.weights.sliced('model.norm.weight')).toBeUndefined();
    model.weights.close();
  });
});
