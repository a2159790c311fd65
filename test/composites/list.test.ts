// The list of composites (src/composites): every composite the model graphs use is in it, once; the parser checks a
// listed composite's attributes by name; and the compiler refuses a composite the list does not hold, naming it,
// rather than skipping what it cannot look up (a claimed composite's `updates`).

import { describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { compile } from '../../src/compiler/compile.js';
import { COMPOSITES, compositeDef, compositeNames } from '../../src/composites/index.js';
import { parseGraph, walkNodes, weightMap } from '../../src/ir/index.js';
import { directoryFiles } from '../../src/io/local-files.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { buildModelGraph } from '../../src/models/deepseek/model.js';

/** A graph with one composite region `name` around neg(x), and `attrs` as text. */
const regionGraph = (name: string, attrs = '') => `graph g(%x: f32[2]) {
  %0 = composite ${name}(%x)${attrs} : f32[2] {
    ^(%v: f32[2])
    %1 = neg(%v) : f32[2]
    return %1
  }
  return y = %0
}
`;

describe('the list', () => {
  it('holds every composite of the model graphs (MTP and FP8 GEMMs included), each under its own name', () => {
    for (const [dir, gemm] of [['spec/golden/v3-tiny-mtp', 'dequant'], ['spec/golden/v3-fp8-tiny', 'fp8']] as const) {
      const m = loadModel(directoryFiles(dir), { gemm });
      const mtp = m.weights.layout.mtp.length > 0;
      const graph = buildModelGraph(m.config, m.settings, m.weights.layout, { batch: 1, seqLen: 2, mtp });
      m.weights.close();
      const used = new Set([...walkNodes(graph)].flatMap((n) => (n.body ? [n.op] : [])));
      expect([...used].filter((op) => !COMPOSITES.has(op)), dir).toEqual([]);
      expect(used.has('projection') && used.has('router'), dir).toBe(true);
    }
    for (const [name, def] of COMPOSITES) expect(def.name).toBe(name);
    expect(compositeNames()).toEqual([...COMPOSITES.keys()].sort());
  });

  it('lets the parser check a listed composite by name', () => {
    expect(() => parseGraph(regionGraph('moe'))).toThrow(/composite moe: missing attribute "topk"/);
  });
});

describe('a composite the list does not hold', () => {
  it('is an error naming it, for the compiler and for a backend', async () => {
    const graph = parseGraph(regionGraph('not_listed', ' {k=1}'));
    const message = /composite "not_listed" is not defined; the composites are cross_entropy, fp8_block_dequantize, .*, swiglu$/;
    expect(() => compositeDef('not_listed')).toThrow(message);
    expect(() => compile(graph)).toThrow(message);
    const backend = cpuBackend();
    try {
      await expect(backend.compile(graph, weightMap({}))).rejects.toThrow(message);
    } finally {
      backend.dispose();
    }
  });
});
