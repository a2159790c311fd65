// The text form is deterministic: the same graph prints the same text every time, and graphs built the same way
// print the same whatever their value ids, attribute insertion order or what was built before them.

import fc from 'fast-check';
import { expect, test } from 'vitest';
import { GraphBuilder, printGraph } from '../../src/ir/index.js';
import { buildGraph, graphRecipe, randomGraph } from '../support/random-graph.js';

test('printing a graph twice gives identical text', () => {
  fc.assert(
    fc.property(randomGraph(), (g) => {
      expect(printGraph(g)).toBe(printGraph(g));
    }),
  );
});

test('graphs built identically print identically, though their value ids differ', () => {
  fc.assert(
    fc.property(graphRecipe(), fc.nat(50), (recipe, unrelated) => {
      const first = buildGraph(recipe);
      const noise = new GraphBuilder('noise');
      for (let i = 0; i < unrelated; i++) noise.input(`n${i}`, { dtype: 'f32', shape: [] });
      const second = buildGraph(recipe);
      expect(second.inputs[0]!.id).not.toBe(first.inputs[0]!.id);
      expect(printGraph(second)).toBe(printGraph(first));
    }),
  );
});

test('attributes print sorted, whatever order they were given in', () => {
  const make = (attrs: Record<string, unknown>) => {
    const b = new GraphBuilder('g');
    return printGraph(b.build([b.op('iota', [], attrs as never)]));
  };
  const text = make({ shape: [2, 3], axis: 1, dtype: 'f32' });
  expect(text).toBe(make({ dtype: 'f32', axis: 1, shape: [2, 3] }));
  expect(text).toContain('iota() {axis=1, dtype="f32", shape=[2, 3]}');
});
