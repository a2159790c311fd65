// topk against a naive repeated selection of the largest remaining element (NaN largest, ties to the lower index).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DType } from '../../../src/ir/index.js';
import { elementArb, encodeF32, flatIndex, multiIndices, runOp, shapeArb, tensorArb, tensorOf, valueAt } from './harness.js';

/** a ranks above b: NaN above everything, then by value; equal values (±0 included) do not. */
const above = (a: number, b: number): boolean => (a !== a ? b === b : b === b && a > b);

function naiveTopk(line: readonly number[], k: number): number[] {
  const taken = new Set<number>();
  const out: number[] = [];
  for (let n = 0; n < k; n++) {
    let best = -1;
    for (let i = 0; i < line.length; i++) {
      if (!taken.has(i) && (best < 0 || above(line[i]!, line[best]!))) best = i;
    }
    taken.add(best);
    out.push(best);
  }
  return out;
}

describe('topk', () => {
  it.each<DType>(['f32', 'f16', 'bf16', 'i32'])('%s: indices of the k largest, largest first, stable', (d) => {
    // Few distinct values, so ties, signed zeros and NaNs meet often.
    const few = d === 'i32' ? fc.integer({ min: -2, max: 2 }) : fc.constantFrom(0, -0, 1, -1, NaN, Infinity, -Infinity).map((v) => encodeF32(v, d));
    const elements = fc.oneof(elementArb(d), few);
    const arb = shapeArb(3, 5, 1).chain((shape) =>
      fc.integer({ min: 0, max: shape.length - 1 }).chain((axis) => fc.tuple(tensorArb(d, shape, elements), fc.constant(axis), fc.integer({ min: 0, max: shape[axis]! }))),
    );
    fc.assert(
      fc.property(arb, ([x, axis, k]) => {
        const got = runOp('topk', [x], { k, axis });
        expect([...got.shape]).toEqual(x.shape.map((s, i) => (i === axis ? k : s)));
        for (const p of multiIndices(x.shape.map((s, i) => (i === axis ? 1 : s)))) {
          const at = (j: number) => p.map((v, i) => (i === axis ? j : v));
          const line = Array.from({ length: x.shape[axis]! }, (_, j) => valueAt(x, flatIndex(x.shape, at(j))));
          const row = Array.from({ length: k }, (_, j) => got.data[flatIndex(got.shape, at(j))]!);
          expect(row).toEqual(naiveTopk(line, k));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('orders NaN first, treats ±0 as equal, and keeps equal values in index order', () => {
    const x = tensorOf('f32', [7], [0, NaN, -0, Infinity, 1, NaN, 1]);
    expect(Array.from(runOp('topk', [x], { k: 7, axis: 0 }).data)).toEqual([1, 5, 3, 4, 6, 0, 2]);
  });
});
