// The random graph generator itself: every graph it makes is valid, all ops turn up, options are honoured,
// failures shrink to small graphs, and the input data fits the graph.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { inputName, isFloat, numel, primitiveNames, printGraph, sameType, verify, walkNodes, type Graph } from '../../src/ir/index.js';
import { decodeToF32 } from '../../src/numerics/index.js';
import { buildGraph, graphRecipe, OP_KINDS, randomGraph, randomGraphWithInputs } from '../support/random-graph.js';
import { randomInputs } from '../support/random-inputs.js';

const ops = (g: Graph) => [...walkNodes(g)].map((n) => n.op);

describe('random graphs', () => {
  test('are valid, connected to their inputs and have 1 to 3 outputs', () => {
    fc.assert(
      fc.property(randomGraph({ maxOps: 12 }), (g) => {
        verify(g);
        expect(g.outputs.length).toBeGreaterThanOrEqual(1);
        expect(g.outputs.length).toBeLessThanOrEqual(3);
        for (const n of g.nodes) for (const v of n.outputs) expect(v.shape.length).toBeLessThanOrEqual(4);
      }),
    );
  });

  test('over many runs, contain every primitive and every composite', () => {
    // A fixed seed: this checks the generator's reach, not a property, so it must not depend on FC_SEED.
    const seen = new Set(OP_KINDS.flatMap((kind) => fc.sample(randomGraph({ kinds: [kind], maxOps: 6 }), { numRuns: 50, seed: 1 }).flatMap(ops)));
    // Weights need a weight store, so random graphs leave them out; model-sized composites are tested elsewhere.
    const composites = ['sigmoid', 'silu', 'swiglu', 'rms_norm', 'softmax', 'log_softmax', 'rope', 'fp8_quantize'];
    const expected = [...primitiveNames().filter((op) => op !== 'weight'), ...composites];
    expect(expected.filter((op) => !seen.has(op))).toEqual([]);
  });

  test('the same recipe builds the same graph', () => {
    fc.assert(
      fc.property(graphRecipe(), (r) => {
        expect(printGraph(buildGraph(r))).toBe(printGraph(buildGraph(r)));
      }),
    );
  });

  test('a failing property shrinks to a small graph', () => {
    // The smallest graph with a rope is 6 nodes: a scalar input lifted to [1], doubled to [2], and cos/sin of an iota.
    for (const op of ['matmul', 'gather_matmul', 'scatter_add', 'rope', 'fp8_quantize', 'dynamic_update_slice']) {
      const run = fc.check(fc.property(randomGraph(), (g) => !ops(g).includes(op)), { numRuns: 2000 });
      expect(run.failed).toBe(true);
      const [g] = run.counterexample!;
      expect(g.nodes.length, fc.stringify(g)).toBeLessThanOrEqual(6);
      expect(g.outputs.length).toBe(1);
    }
  });

  test('options: kinds, input dtypes and maximum sizes', () => {
    const options = { kinds: ['cast', 'topk'] as const, inputDTypes: { i32: 1 }, maxInputs: 1, maxOps: 2 };
    fc.assert(
      fc.property(randomGraph(options), (g) => {
        expect(g.inputs.map((v) => v.dtype).filter((d) => d !== 'i32')).toEqual([]);
        expect(g.inputs.filter((v) => inputName(v) !== 'start').length).toBe(1);
        expect(g.nodes.length).toBeLessThanOrEqual(4);
        // Ops that need an axis lift scalars with a reshape.
        for (const op of ops(g)) expect(['cast', 'topk', 'reshape']).toContain(op);
      }),
    );
    expect(OP_KINDS).toContain('fp8_quantize');
  });

  test('without special constants, no constant is -0, infinite or NaN', () => {
    const constants = (g: Graph) =>
      [...walkNodes(g)].flatMap((n) => (n.op === 'full' || n.op === 'pad' ? [n.attrs.value as number] : n.op === 'literal' ? (n.attrs.values as number[]) : []));
    fc.assert(
      fc.property(randomGraph({ kinds: ['source', 'pad', 'binary'], specialConstants: false }), (g) => {
        for (const x of constants(g)) expect(Number.isFinite(x) && !Object.is(x, -0), `constant ${x}`).toBe(true);
      }),
    );
    const all = fc.sample(randomGraph({ kinds: ['source', 'pad', 'binary'] }), 300).flatMap(constants);
    expect(all.some((x) => Number.isNaN(x))).toBe(true);
    expect(all.some((x) => x === -Infinity)).toBe(true);
  });
});

describe('random inputs', () => {
  test('match every input of the graph in dtype and shape', () => {
    fc.assert(
      fc.property(randomGraphWithInputs(), ({ graph, inputs }) => {
        expect(Object.keys(inputs).sort()).toEqual(graph.inputs.map(inputName).sort());
        for (const v of graph.inputs) {
          const t = inputs[inputName(v)]!;
          expect(sameType(t, v.type)).toBe(true);
          expect(t.data.length).toBe(numel(v.shape));
        }
      }),
    );
  });

  const floatValues = (specials: boolean) =>
    fc
      .sample(randomGraphWithInputs({ inputDTypes: { f32: 1, f16: 1, bf16: 1, f8e4m3fn: 1 }, specials }), 200)
      .flatMap(({ inputs }) => Object.values(inputs).filter((t) => isFloat(t.dtype)))
      .flatMap((t) => [...decodeToF32(t.data, t.dtype)]);

  test('hold specials by default and only finite values, no -0, when asked', () => {
    const special = floatValues(true);
    for (const x of [NaN, Infinity, -Infinity, -0]) expect(special.some((y) => Object.is(x, y)), `${x} present`).toBe(true);
    expect(floatValues(false).filter((x) => !Number.isFinite(x) || Object.is(x, -0))).toEqual([]);
  });

  test('bool and u8 data stay in range', () => {
    const g = fc.sample(randomGraph({ inputDTypes: { bool: 1, u8: 1 }, kinds: ['cast'] }), 20);
    for (const graph of g) {
      for (const t of Object.values(fc.sample(randomInputs(graph), 1)[0]!)) {
        const max = t.dtype === 'bool' ? 1 : t.dtype === 'u8' ? 255 : Infinity;
        expect([...t.data].every((x) => x >= 0 && x <= max)).toBe(true);
      }
    }
  });
});
