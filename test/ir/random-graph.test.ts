// The random graph generator itself: every graph it makes is valid, all ops turn up, options are honoured,
// failures shrink to small graphs, and the input data fits the graph (raw NaN and subnormal codes when asked).

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { inputName, isFloat, numel, primitiveNames, printGraph, sameType, verify, walkNodes, type DType, type Graph } from '../../src/ir/index.js';
import { compositeNames } from '../../src/composites/index.js';
import { decodeToF32 } from '../../src/numerics/index.js';
import { buildGraph, DEFAULT_KINDS, graphRecipe, OP_KINDS, randomGraph, randomGraphWithInputs } from '../support/random-graph.js';
import { randomInputs, randomTensor } from '../support/random-inputs.js';

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
    const seen = new Set(OP_KINDS.flatMap((kind) => fc.sample(randomGraph({ kinds: [kind], maxOps: 4 }), { numRuns: 30, seed: 1 }).flatMap(ops)));
    // Weights need a weight store, so random graphs take every operand as an input instead.
    const expected = [...primitiveNames().filter((op) => op !== 'weight'), ...compositeNames()];
    expect(expected.filter((op) => !seen.has(op))).toEqual([]);
  });

  test('by default, hold the primitives and the op library only; the FP8 block and model composites when asked', () => {
    const composites = (kinds?: typeof OP_KINDS) => new Set(fc.sample(randomGraph({ kinds, maxOps: 8 }), { numRuns: 100, seed: 2 }).flatMap(ops).filter((op) => compositeNames().includes(op)));
    expect([...composites()].sort()).toEqual(['fp8_quantize', 'log_softmax', 'rms_norm', 'rope', 'sigmoid', 'silu', 'softmax', 'swiglu']);
    expect(DEFAULT_KINDS.length).toBeLessThan(OP_KINDS.length);
    expect(composites(OP_KINDS).has('mtp_block')).toBe(true);
  });

  test('have fan-out, and outputs that other nodes read too', () => {
    const graphs = fc.sample(randomGraph({ maxOps: 12 }), { numRuns: 200, seed: 3 });
    const readers = (g: Graph) => {
      const count = new Map<unknown, number>();
      for (const n of g.nodes) for (const v of new Set(n.inputs)) count.set(v, (count.get(v) ?? 0) + 1);
      return count;
    };
    expect(graphs.some((g) => [...readers(g).values()].some((n) => n >= 2))).toBe(true);
    expect(graphs.some((g) => g.outputs.some((o) => readers(g).has(o.value)))).toBe(true);
  });

  test('have empty and long axes only when asked', () => {
    const graphs = (options: Parameters<typeof randomGraph>[0]) => fc.sample(randomGraph({ ...options, maxOps: 12 }), { numRuns: 300, seed: 4 });
    const valueShapes = (g: Graph) => [...walkNodes(g)].flatMap((n) => n.outputs.map((v) => v.shape)).concat(g.inputs.map((v) => v.shape));
    const inputAxes = (gs: Graph[]) => gs.flatMap((g) => g.inputs.flatMap((v) => v.shape));
    const plain = graphs({});
    expect(plain.flatMap(valueShapes).filter((s) => numel(s) === 0)).toEqual([]);
    expect(inputAxes(plain).filter((d) => d > 5)).toEqual([]);
    expect(graphs({ emptyTensors: true }).flatMap(valueShapes).filter((s) => numel(s) === 0).length).toBeGreaterThan(100);
    const long = inputAxes(graphs({ longAxes: true }));
    for (const n of [127, 128, 129]) expect(long.includes(n), `an input axis of ${n}`).toBe(true);
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

  test('hold raw NaN payloads and subnormals of every narrow float when asked', () => {
    const codes = (dtype: DType, bitPatterns: boolean) =>
      fc.sample(randomTensor(dtype, [64], { bitPatterns }), { numRuns: 30, seed: 5 }).flatMap((t) => [...t.data]);
    // A quiet NaN with a payload (f16 0x7e01...) or a signalling one (0x7c01...), which rounding an f32 never makes.
    const payloads: Readonly<Record<string, (c: number) => boolean>> = {
      f16: (c) => (c & 0x7fff) > 0x7c00 && (c & 0x7fff) !== 0x7e00,
      bf16: (c) => (c & 0x7fff) > 0x7f80 && (c & 0x7fff) !== 0x7fc0,
      f8e5m2: (c) => (c & 0x7f) === 0x7d,
    };
    for (const [dtype, payload] of Object.entries(payloads)) {
      expect(codes(dtype as DType, true).some(payload), `${dtype} payload`).toBe(true);
      expect(codes(dtype as DType, false).some(payload), `${dtype} payload without bitPatterns`).toBe(false);
    }
    const subnormal: Readonly<Record<string, (c: number) => boolean>> = { f16: (c) => (c & 0x7c00) === 0 && (c & 0x3ff) !== 0, f8e4m3fn: (c) => (c & 0x78) === 0 && (c & 7) !== 0 };
    for (const [dtype, is] of Object.entries(subnormal)) expect(codes(dtype as DType, true).some(is), `${dtype} subnormal`).toBe(true);
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
