// Sibling reductions share a kernel only when no kernel they read depends on them (src/compiler/fusion/rows.ts).
// Reproducer from issue 18 (fuzzer finding B, cpu-anything-7023: one mtp_block under FP8 GEMMs, where fp8_quantize's
// row maxima were grouped into a cycle and planMemory then read a buffer no kernel had written), shrunk to four sums:
// a1 reads c2 and c1 reads a2. The groups {a1, a2} and {c1, c2} each look independent, but once a2 computes in a1's
// kernel, c1 reading a2 depends on c2 through a1: the check walked a2's own reads, not its group's.

import { describe, expect, it } from 'vitest';
import { parseGraph, tensorData, weightMap, type TensorData } from '../../src/ir/index.js';
import { fuse } from '../../src/compiler/fusion/index.js';
import { dependencyOrder } from '../../src/compiler/fusion/order.js';
import { needsNoWriter, type BufferId } from '../../src/compiler/kernel.js';
import { evaluate } from '../../src/backends/reference/index.js';
import { useOptionalResource } from '../support/optional-resource.js';
import { bitMismatch } from '../support/compare.js';
import { BACKENDS_UNDER_TEST } from '../conformance/backends.js';

// Graph outputs come first in fusion's order of stored values, so a1 (which reads c2) is grouped before c1.
const crossedSums = parseGraph(`graph crossed(%x: f32[2,4], %y: f32[2,4]) {
  %0 = reduce_sum(%x) {axes=[1], keepdims=true} : f32[2,1]
  %1 = broadcast(%0) {shape=[2, 4]} : f32[2,4]
  %2 = mul(%x, %1) : f32[2,4]
  %3 = reduce_sum(%2) {axes=[1], keepdims=true} : f32[2,1]
  %4 = reduce_sum(%y) {axes=[1], keepdims=true} : f32[2,1]
  %5 = broadcast(%4) {shape=[2, 4]} : f32[2,4]
  %6 = mul(%y, %5) : f32[2,4]
  %7 = reduce_sum(%6) {axes=[1], keepdims=true} : f32[2,1]
  return a1 = %3, a2 = %4, c1 = %7, c2 = %0
}`);

// Small integers: every sum is exact, so every backend gives the interpreter's values bit for bit.
const inputs: Record<string, TensorData> = {
  x: tensorData('f32', [2, 4], Float32Array.of(1, -2, 3, 0, 2, 2, -1, 4)),
  y: tensorData('f32', [2, 4], Float32Array.of(-3, 1, 1, 2, 0, 5, -2, 1)),
};

describe('sibling reductions', () => {
  it('are grouped without a cycle: every kernel reads only what an earlier kernel wrote', () => {
    const p = fuse(crossedSums);
    expect(p.kernels.some((k) => k.outputs.length > 1), 'the graph still groups siblings').toBe(true);
    const written = new Set<BufferId>(p.buffers.filter(needsNoWriter).map((b) => b.id));
    for (const k of p.kernels) {
      for (const b of k.inputs) expect(written.has(b.buffer), `${k.name} reads buffer ${b.buffer} before it is written`).toBe(true);
      for (const b of k.outputs) written.add(b.buffer);
    }
  });

  it('a cycle of kernels is named, not ordered silently', () => {
    const [first, second] = fuse(crossedSums).kernels;
    const cycle = [{ ...first!, inputs: [...first!.inputs, ...second!.outputs] }, { ...second!, inputs: [...second!.inputs, ...first!.outputs] }];
    expect(() => dependencyOrder(cycle)).toThrow(new RegExp(`fusion: kernel ${first!.name} depends on its own results`));
  });
});

for (const target of BACKENDS_UNDER_TEST) {
  describe(`crossed sibling reductions on ${target.name}`, () => {
    const backend = useOptionalResource(target.resource);
    it('match the interpreter', async () => {
      const exe = await backend().compile(crossedSums, weightMap({}));
      try {
        const { outputs } = await exe.run(inputs);
        for (const [name, expected] of Object.entries(evaluate(crossedSums, inputs))) expect(bitMismatch(outputs[name]!, expected), name).toBeUndefined();
      } finally {
        exe.dispose();
      }
    });
  });
}
