// reduce_sum / reduce_max / reduce_min and cumsum against naive nested loops over multi-indices.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DType, TensorData } from '../../../src/ir/index.js';
import {
  encodeF32,
  expectClose,
  expectSameTensor,
  flatIndex,
  maxOf,
  minOf,
  multiIndices,
  roundedValue,
  runOp,
  shapeArb,
  tensorArb,
  tensorOf,
  ulp,
  values,
  valueAt,
} from './harness.js';

type FloatD = 'f32' | 'f16' | 'bf16';
type NumD = FloatD | 'i32';
const NUMERIC: NumD[] = ['f32', 'f16', 'bf16', 'i32'];
const RUNS = { numRuns: 40 };

/** A tensor with a non-empty, increasing subset of its axes. */
const withAxes = (d: DType) =>
  shapeArb(4, 4, 1).chain((shape) =>
    fc.tuple(
      tensorArb(d, shape),
      fc.subarray(shape.map((_, i) => i), { minLength: 1 }),
      fc.boolean(),
    ),
  );

/** For each output position (row-major over the kept axes), the reduced elements in row-major order. */
function groups(x: TensorData, axes: readonly number[]): { outShape: number[]; terms: number[][] } {
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outShape = kept.map((a) => x.shape[a]!);
  const terms: number[][] = Array.from({ length: outShape.reduce((a, b) => a * b, 1) }, () => []);
  for (const idx of multiIndices(x.shape)) {
    terms[flatIndex(outShape, kept.map((a) => idx[a]!))]!.push(valueAt(x, flatIndex(x.shape, idx)));
  }
  return { outShape, terms };
}

const keptShape = (x: TensorData, axes: readonly number[], keepdims: boolean) =>
  keepdims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));

describe('reduce_sum', () => {
  it.each<FloatD>(['f32', 'f16', 'bf16'])('%s: float64 sum rounded once, within 1e-6 of the sum of magnitudes', (d) => {
    fc.assert(
      fc.property(withAxes(d), ([x, axes, keepdims]) => {
        const got = runOp('reduce_sum', [x], { axes, keepdims });
        const { terms } = groups(x, axes);
        expect([...got.shape]).toEqual(keptShape(x, axes, keepdims));
        const sums = terms.map((t) => t.reduce((s, v) => s + v, 0));
        const magnitudes = terms.map((t) => t.reduce((s, v) => s + Math.abs(v), 0));
        expectClose(values(got), sums.map((s) => roundedValue(s, d)), (i) => 1e-6 * magnitudes[i]! + ulp(sums[i]!, d));
      }),
      RUNS,
    );
  });

  it('i32: exact and wrapping', () => {
    fc.assert(
      fc.property(withAxes('i32'), ([x, axes, keepdims]) => {
        const { terms } = groups(x, axes);
        const want = terms.map((t) => Number(BigInt.asIntN(32, t.reduce((s, v) => s + BigInt(v), 0n))));
        expectSameTensor(runOp('reduce_sum', [x], { axes, keepdims }), tensorOf('i32', keptShape(x, axes, keepdims), want));
      }),
      RUNS,
    );
  });

  it('rounds the float64 sum to f16 once (2048 + 1 + 2^-20 gives 2050, not the tie 2048)', () => {
    const x = tensorOf('f16', [3], [2048, 1, 2 ** -20].map((v) => encodeF32(v, 'f16')));
    expect(valueAt(runOp('reduce_sum', [x], { axes: [0], keepdims: false }), 0)).toBe(2050);
  });

  it('an empty reduction gives +0', () => {
    const got = runOp('reduce_sum', [tensorOf('f32', [2, 0], [])], { axes: [1], keepdims: false });
    expect(Array.from(got.data)).toEqual([0, 0]);
  });
});

describe.each([
  ['reduce_max', maxOf, -Infinity, -(2 ** 31)],
  ['reduce_min', minOf, Infinity, 2 ** 31 - 1],
] as const)('%s', (op, fold, floatInit, intInit) => {
  it.each(NUMERIC)('%s: exact, NaN wins, zeros ordered, empty gives the identity', (d) => {
    fc.assert(
      fc.property(withAxes(d), ([x, axes, keepdims]) => {
        const init = d === 'i32' ? intInit : floatInit;
        const want = groups(x, axes).terms.map((t) => t.reduce(fold, init));
        const encoded = want.map((v) => (d === 'i32' ? v : encodeF32(v, d)));
        expectSameTensor(runOp(op, [x], { axes, keepdims }), tensorOf(d, keptShape(x, axes, keepdims), encoded));
      }),
      RUNS,
    );
  });
});

/** Storage elements of the inclusive running sums: a float64 total rounded once per output, or wrapping i32. */
function runningSums(xs: readonly number[], d: NumD): number[] {
  if (d === 'i32') {
    let total = 0n;
    return xs.map((v) => Number((total = BigInt.asIntN(32, total + BigInt(v)))));
  }
  let total = 0;
  return xs.map((v) => encodeF32(roundedValue((total += v), d), d));
}

describe('cumsum', () => {
  it.each(NUMERIC)('%s: running float64 total, each output rounded once (i32 wraps)', (d) => {
    fc.assert(
      fc.property(
        shapeArb(3, 5, 1).chain((shape) => fc.tuple(tensorArb(d, shape), fc.integer({ min: 0, max: shape.length - 1 }))),
        ([x, axis]) => {
          const want = new Array<number>(x.data.length);
          for (const idx of multiIndices(x.shape)) {
            if (idx[axis] !== 0) continue;
            const line = Array.from({ length: x.shape[axis]! }, (_, j) => flatIndex(x.shape, idx.map((v, a) => (a === axis ? j : v))));
            runningSums(line.map((at) => valueAt(x, at)), d).forEach((v, j) => (want[line[j]!] = v));
          }
          expectSameTensor(runOp('cumsum', [x], { axis }), tensorOf(d, x.shape, want));
        },
      ),
      RUNS,
    );
  });
});
