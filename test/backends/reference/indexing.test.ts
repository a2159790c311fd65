// take, gather and scatter_add against naive multi-index definitions, and their range errors.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DType, TensorData } from '../../../src/ir/index.js';
import { encodeF32, expectSameTensor, flatIndex, multiIndices, roundedValue, runOp, shapeArb, storageBitsOf, tensorArb, tensorOf, valueAt } from './harness.js';
import { materialize, naiveOf, type NaiveTensor } from './naive-views.js';

const RUNS = { numRuns: 40 };

/** x, an axis, and i32 indices in [0, dim) of the given shape (derived from x's shape and the axis). */
const indexed = (d: DType, indexShape: (shape: number[], axis: number) => number[]) =>
  shapeArb(3, 4, 1)
    .filter((shape) => shape.every((s) => s > 0))
    .chain((shape) =>
      fc.integer({ min: 0, max: shape.length - 1 }).chain((axis) => {
        const ids = indexShape(shape, axis);
        return fc.tuple(tensorArb(d, shape), fc.constant(axis), tensorArb('i32', ids, fc.integer({ min: 0, max: shape[axis]! - 1 })));
      }),
    );

describe('take', () => {
  it.each<DType>(['f32', 'bf16', 'i32', 'f8e5m2'])('%s: out[p, j, q] = x[p, idx[j], q]', (d) => {
    const arb = shapeArb(2, 3).chain((ids) => indexed(d, () => ids));
    fc.assert(
      fc.property(arb, ([x, axis, idx]) => {
        const src = naiveOf(x);
        const r = idx.shape.length;
        const want: NaiveTensor = {
          shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)],
          at: (o) => src.at([...o.slice(0, axis), idx.data[flatIndex(idx.shape, o.slice(axis, axis + r))]!, ...o.slice(axis + r)]),
        };
        expect(storageBitsOf(runOp('take', [x, idx], { axis }))).toEqual(materialize(want));
      }),
      RUNS,
    );
  });
});

/** Index shapes for gather/scatter: x's shape with the axis resized. */
const alongAxis = (shape: number[], axis: number) => shape.map((s, i) => (i === axis ? (s * 7) % 4 : s));

describe('gather', () => {
  it.each<DType>(['f32', 'f16', 'u8'])('%s: out[p] = x[p with p[axis] := idx[p]]', (d) => {
    fc.assert(
      fc.property(indexed(d, alongAxis), ([x, axis, idx]) => {
        const src = naiveOf(x);
        const want: NaiveTensor = { shape: idx.shape, at: (p) => src.at(p.map((v, i) => (i === axis ? idx.data[flatIndex(idx.shape, p)]! : v))) };
        expect(storageBitsOf(runOp('gather', [x, idx], { axis }))).toEqual(materialize(want));
      }),
      RUNS,
    );
  });
});

describe('scatter_add', () => {
  it.each<'f32' | 'f16' | 'bf16' | 'i32'>(['f32', 'f16', 'bf16', 'i32'])('%s: adds src in row-major order, rounding each addition', (d) => {
    const arb = indexed(d, alongAxis).chain(([x, axis, idx]) => fc.tuple(fc.constant(x), fc.constant(axis), fc.constant(idx), tensorArb(d, idx.shape)));
    fc.assert(
      fc.property(arb, ([x, axis, idx, src]) => {
        const acc = Array.from({ length: x.data.length }, (_, i) => valueAt(x, i));
        for (const p of multiIndices(src.shape)) {
          const at = flatIndex(src.shape, p);
          const target = flatIndex(x.shape, p.map((v, i) => (i === axis ? idx.data[at]! : v)));
          const a = acc[target]!;
          const b = valueAt(src, at);
          acc[target] = d === 'i32' ? Number(BigInt.asIntN(32, BigInt(a) + BigInt(b))) : roundedValue(roundedValue(a + b, 'f32'), d);
        }
        expectSameTensor(runOp('scatter_add', [x, idx, src], { axis }), tensorOf(d, x.shape, acc.map((v) => encodeF32(v, d))));
      }),
      RUNS,
    );
  });

  it('does not modify its operand', () => {
    const x = tensorOf('f32', [3], [1, 2, 3]);
    const out = runOp('scatter_add', [x, tensorOf('i32', [2], [0, 0]), tensorOf('f32', [2], [10, 20])], { axis: 0 });
    expect(Array.from(out.data)).toEqual([31, 2, 3]);
    expect(Array.from(x.data)).toEqual([1, 2, 3]);
  });
});

describe('out-of-range indices fail, naming the op, the index, its position and the bound', () => {
  const x: TensorData = tensorOf('f32', [3, 2], [1, 2, 3, 4, 5, 6]);
  it('take', () => {
    expect(() => runOp('take', [x, tensorOf('i32', [2, 2], [0, 1, 2, 3])], { axis: 0 })).toThrow(/take: index 3 at position \[1, 1\] .*axis 0 .*size 3/);
    expect(() => runOp('take', [x, tensorOf('i32', [1], [-1])], { axis: 0 })).toThrow(/take: index -1 at position \[0\]/);
  });
  it('gather', () => {
    expect(() => runOp('gather', [x, tensorOf('i32', [3, 1], [0, 2, 1])], { axis: 1 })).toThrow(/gather: index 2 at position \[1, 0\] .*axis 1 .*size 2/);
  });
  it('scatter_add', () => {
    expect(() => runOp('scatter_add', [x, tensorOf('i32', [1, 2], [0, 5]), tensorOf('f32', [1, 2], [1, 1])], { axis: 0 })).toThrow(
      /scatter_add: index 5 at position \[0, 1\] .*axis 0 .*size 3/,
    );
  });
});
