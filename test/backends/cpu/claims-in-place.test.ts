// With donated caches, the claimed MLA kernel writes the new cache window into the cache it was given: its cache
// results share the cache inputs' buffers, and decoding still matches the reference backend.

import { expect, it } from 'vitest';
import { compile } from '../../../src/compiler/compile.js';
import { claimableComposites } from '../../../src/backends/cpu/claims/index.js';
import { loadModel } from '../../../src/models/deepseek/loaded-model.js';
import { buildModelGraph } from '../../../src/models/deepseek/model.js';
import { directoryFiles } from '../../../src/io/local-files.js';

it('claimed MLA updates donated caches in place', () => {
  const m = loadModel(directoryFiles('spec/golden/v3-tiny-f32'));
  const g = buildModelGraph(m.config, m.settings, m.weights.layout, { batch: 2, seqLen: 1 });
  const caches = g.inputs.flatMap((v) => (v.def.kind === 'input' && v.def.name.includes('cache') ? [v.def.name] : []));
  const p = compile(g, { claimed: claimableComposites(g), donated: new Set(caches) });
  const mla = p.kernels.filter((k) => k.body.kind === 'library' && k.body.op === 'mla_attention');
  expect(mla.length).toBe(m.config.numHiddenLayers);
  for (const k of mla) {
    const body = k.body as { operands: readonly ({ kind: string; slot?: number })[] };
    const cacheSlots = [body.operands[4]!.slot!, body.operands[5]!.slot!];
    expect(k.outputs.slice(1).map((o) => o.buffer)).toEqual(cacheSlots.map((s) => k.inputs[s]!.buffer));
    expect(cacheSlots.every((s) => p.buffers[k.inputs[s]!.buffer]!.role === 'input')).toBe(true);
  }
});
