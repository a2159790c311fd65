// A negated negative constant. Reproducer from the issue 18 fuzzer (cpu-anything-807248305: neg of a `where` whose
// arms are both the constant -1, which fusion folds to the literal): the JavaScript renderer wrote `(--1)`, which
// does not parse. Every backend that runs kernels, against the interpreter, for each dtype a literal is written in.

import { describe, expect, it } from 'vitest';
import { parseGraph, tensorData, weightMap } from '../../src/ir/index.js';
import { evaluate } from '../../src/backends/reference/index.js';
import { useOptionalResource } from '../support/optional-resource.js';
import { bitMismatch } from '../support/compare.js';
import { BACKENDS_UNDER_TEST } from '../conformance/backends.js';

// The `where` with equal arms reaches the kernel (the graph passes keep it) and folds there to the constant.
const negatedConstant = (dtype: string, value: string) =>
  parseGraph(
    `graph g(%x: f32[2]) {\n  %0 = cast(%x) {dtype="bool"} : bool[2]\n  %1 = full() {dtype="${dtype}", shape=[2], value=${value}} : ${dtype}[2]\n` +
      `  %2 = where(%0, %1, %1) : ${dtype}[2]\n  %3 = neg(%2) : ${dtype}[2]\n  return y = %3\n}`,
  );

const CASES = [
  { name: 'f32 -1', graph: negatedConstant('f32', '-1') },
  { name: 'f32 -0', graph: negatedConstant('f32', '-0') },
  { name: 'f32 -inf', graph: negatedConstant('f32', '-inf') },
  { name: 'f16 -1.5', graph: negatedConstant('f16', '-1.5') },
  { name: 'i32 -3', graph: negatedConstant('i32', '-3') },
];

for (const target of BACKENDS_UNDER_TEST) {
  describe(`a negated negative constant on ${target.name}`, () => {
    const backend = useOptionalResource(target.resource);
    for (const c of CASES) {
      it(c.name, async () => {
        const inputs = { x: tensorData('f32', [2], Float32Array.of(0, 2)) };
        const exe = await backend().compile(c.graph, weightMap({}));
        try {
          const { outputs } = await exe.run(inputs);
          expect(bitMismatch(outputs.y!, evaluate(c.graph, inputs).y!)).toBeUndefined();
        } finally {
          exe.dispose();
        }
      });
    }
  });
}
