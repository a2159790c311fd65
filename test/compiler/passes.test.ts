// Each graph pass keeps the graph's meaning (evaluated by the oracle, bit for bit) and its output verifies.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseGraph, printGraph, verifyProblems, type Graph } from '../../src/ir/index.js';
import { graphPasses } from '../../src/compiler/passes/index.js';
import { commonSubexpressions, deadCodeElimination, foldConstants, simplify } from '../../src/compiler/passes/index.js';
import { evaluate } from '../../src/backends/reference/index.js';
import * as ops from '../../src/ops/index.js';
import { f32ToBf16 } from '../../src/numerics/index.js';
import { randomGraphWithInputs } from '../support/random-graph.js';
import { bitMismatch } from '../support/compare.js';

const passes = graphPasses(new Set());

function agree(before: Graph, after: Graph, inputs: Parameters<typeof evaluate>[1]): void {
  let expected: ReturnType<typeof evaluate>;
  try {
    expected = evaluate(before, inputs);
  } catch {
    expect(() => evaluate(after, inputs)).toThrow();
    return;
  }
  const actual = evaluate(after, inputs);
  for (const [name, t] of Object.entries(expected)) {
    const m = bitMismatch(actual[name]!, t);
    if (m) throw new Error(`output ${name}: ${m}`);
  }
}

describe('graph passes', () => {
  for (const pass of passes) {
    it(`${pass.name} preserves results and verifies`, () => {
      fc.assert(
        fc.property(randomGraphWithInputs({ maxOps: 8 }), ({ graph, inputs }) => {
          // Passes after decompose see decomposed graphs, as in the pipeline.
          const input = pass.name === 'decompose' ? graph : passes[0]!.run(graph);
          const output = pass.run(input);
          expect(verifyProblems(output)).toEqual([]);
          agree(input, output, inputs);
        }),
        { numRuns: 60 },
      );
    });
  }

  it('decomposed graphs keep their regions through print and parse', () => {
    fc.assert(
      fc.property(randomGraphWithInputs({ maxOps: 6 }), ({ graph }) => {
        const text = printGraph(passes[0]!.run(graph));
        expect(printGraph(parseGraph(text))).toBe(text);
      }),
      { numRuns: 40 },
    );
    const g = passes[0]!.run(ops.trace('region', { x: { dtype: 'f32', shape: [2, 4] } }, ({ x }) => ({ y: ops.softmax(x!) })));
    expect(printGraph(g)).toContain('from "softmax"');
  });

  it('fold-constants evaluates splat arithmetic, movement and reductions', () => {
    const g = ops.trace('fold', { x: { dtype: 'f32', shape: [2, 3] } }, ({ x }) => {
      const c = ops.full(x!, 2, [3]);
      const d = ops.sum(ops.mul(ops.broadcastTo(ops.add(c, 1), [2, 3]), 0.5), -1);
      return { y: ops.add(x!, ops.reshape(ops.concat([d, d, d], 0), [2, 3])) };
    });
    const folded = deadCodeElimination(foldConstants(g));
    expect(folded.nodes.map((n) => n.op).filter((op) => op === 'full').length).toBeGreaterThan(0);
    expect(folded.nodes.some((n) => n.op === 'reduce_sum' || n.op === 'mul')).toBe(false);
  });

  it('fold-constants casts an i32 to a narrow float with one rounding, as the kernels do', () => {
    // 2^24 + 2^16 + 1 lies just above the bf16 midpoint 2^24 + 2^16; rounding to f32 first would land on it and tie
    // down to 2^24. Folded and evaluated from an input, the cast must agree (and give the correctly rounded value).
    const value = 2 ** 24 + 2 ** 16 + 1;
    const fromInput = ops.trace('cast_input', { x: { dtype: 'i32', shape: [2] } }, ({ x }) => ({ y: ops.cast(x!, 'bf16') }));
    const fromSplat = ops.trace('cast_splat', { x: { dtype: 'i32', shape: [2] } }, ({ x }) => ({ y: ops.cast(ops.full(x!, value, [2]), 'bf16') }));
    const folded = deadCodeElimination(foldConstants(fromSplat));
    expect(folded.nodes.map((n) => n.op)).toEqual(['full']);
    const x = { dtype: 'i32' as const, shape: [2], data: Int32Array.of(value, value) };
    const kernel = evaluate(fromInput, { x }).y!;
    expect([...kernel.data]).toEqual([f32ToBf16(16908288), f32ToBf16(16908288)]);
    expect(evaluate(folded, { x }).y!.data).toEqual(kernel.data);
  });

  it('simplify collapses movement chains and drops exact identities', () => {
    const g = ops.trace('simplify', { x: { dtype: 'f32', shape: [2, 3, 4] } }, ({ x }) => {
      const p = ops.permute(ops.permute(x!, [1, 0, 2]), [2, 1, 0]);
      const r = ops.reshape(ops.reshape(p, [24]), [4, 6]);
      return { y: ops.sub(ops.div(ops.mul(r, 1), 1), 0) };
    });
    const s = deadCodeElimination(simplify(simplify(g)));
    expect(s.nodes.map((n) => n.op)).toEqual(['permute', 'reshape']);
  });

  it('simplify keeps x + 0, which turns -0 into +0', () => {
    const g = ops.trace("plus_zero", { x: { dtype: 'f32', shape: [2] } }, ({ x }) => ({ y: ops.add(x!, 0) }));
    expect(simplify(g).nodes.some((n) => n.op === 'add')).toBe(true);
  });

  it('cse merges equal nodes and dce removes unused ones', () => {
    const g = ops.trace('cse', { x: { dtype: 'f32', shape: [3] } }, ({ x }) => {
      ops.exp(x!); // unused
      return { y: ops.add(ops.sqrt(x!), ops.sqrt(x!)) };
    });
    const out = deadCodeElimination(commonSubexpressions(g));
    expect(out.nodes.map((n) => n.op)).toEqual(['sqrt', 'add']);
  });
});
