// Valid calls of every primitive with the result type worked out independently of src/ir (from spec/ops.md),
// so the type rules can be checked against them, and broken in controlled ways for the error tests.

import fc from 'fast-check';
import type { Attrs, DType, TensorType } from '../../src/ir/index.js';

export interface OpCase {
  readonly operands: readonly TensorType[];
  readonly attrs: Attrs;
  readonly expected: TensorType;
}

export const ALL_DTYPES: readonly DType[] = ['f32', 'f16', 'bf16', 'f8e4m3fn', 'f8e5m2', 'i32', 'u8', 'bool'];
export const FLOATS: readonly DType[] = ['f32', 'f16', 'bf16'];
export const NUMBERS: readonly DType[] = [...FLOATS, 'i32'];
export const COMPARABLE: readonly DType[] = [...NUMBERS, 'u8', 'bool'];

/** The dtypes each elementwise op accepts (spec/ops.md §Elementwise). */
export const UNARY_DTYPES: Readonly<Record<string, readonly DType[]>> = {
  neg: NUMBERS,
  abs: NUMBERS,
  ...Object.fromEntries(['exp', 'exp2', 'log', 'log2', 'sqrt', 'recip', 'sin', 'cos', 'floor', 'ceil'].map((op) => [op, FLOATS])),
  not: ['bool'],
};
export const BINARY_DTYPES: Readonly<Record<string, readonly DType[]>> = {
  ...Object.fromEntries(['add', 'sub', 'mul', 'div', 'max', 'min'].map((op) => [op, NUMBERS])),
  mod: ['i32'],
  ...Object.fromEntries(['lt', 'le', 'eq', 'ne'].map((op) => [op, COMPARABLE])),
  and: ['bool'],
  or: ['bool'],
};
const COMPARISONS = ['lt', 'le', 'eq', 'ne'];

const dim = fc.integer({ min: 0, max: 5 });
export const shapeOf = (minRank = 0, maxRank = 4, minDim = 0) => fc.array(fc.integer({ min: minDim, max: 5 }), { minLength: minRank, maxLength: maxRank });
const dtypeIn = (dtypes: readonly DType[]) => fc.constantFrom(...dtypes);
const t = (dtype: DType, shape: readonly number[]): TensorType => ({ dtype, shape });
const withDim = (shape: readonly number[], axis: number, size: number) => shape.map((d, i) => (i === axis ? size : d));

/** A shape of rank >= minRank and an axis of it. */
const shapeAndAxis = (minDim = 0) => shapeOf(1, 4, minDim).chain((shape) => fc.tuple(fc.constant(shape), fc.nat(shape.length - 1)));

/** Elements of range(start, end, step), counted one by one. */
function countStepped(start: number, end: number, step: number): number {
  let n = 0;
  for (let i = start; i < end; i += step) n++;
  return n;
}

const source = (dtypes: readonly DType[], attrsFor: (dtype: DType, shape: number[]) => fc.Arbitrary<Attrs>, minRank = 0) =>
  fc
    .tuple(dtypeIn(dtypes), shapeOf(minRank, 3))
    .chain(([dtype, shape]) => attrsFor(dtype, shape).map((attrs): OpCase => ({ operands: [], attrs: { dtype, shape, ...attrs }, expected: t(dtype, shape) })));

const unary = (op: string): fc.Arbitrary<OpCase> =>
  fc.tuple(dtypeIn(UNARY_DTYPES[op]!), shapeOf()).map(([d, s]) => ({ operands: [t(d, s)], attrs: {}, expected: t(d, s) }));

const binary = (op: string): fc.Arbitrary<OpCase> =>
  fc.tuple(dtypeIn(BINARY_DTYPES[op]!), shapeOf()).map(([d, s]) => ({
    operands: [t(d, s), t(d, s)],
    attrs: {},
    expected: t(COMPARISONS.includes(op) ? 'bool' : d, s),
  }));

const reduction: fc.Arbitrary<OpCase> = fc
  .tuple(dtypeIn(NUMBERS), shapeOf(1), fc.boolean())
  .chain(([d, shape, keepdims]) =>
    fc.subarray(shape.map((_, i) => i), { minLength: 1 }).map((axes) => ({
      operands: [t(d, shape)],
      attrs: { axes, keepdims },
      expected: t(d, keepdims ? shape.map((n, i) => (axes.includes(i) ? 1 : n)) : shape.filter((_, i) => !axes.includes(i))),
    })),
  );

export const VALID_CASES: Readonly<Record<string, fc.Arbitrary<OpCase>>> = {
  full: source(ALL_DTYPES, () => fc.record({ value: fc.constantFrom(0, 1) })),
  literal: source(ALL_DTYPES, (_, shape) => fc.record({ values: fc.array(fc.constantFrom(0, 1), { minLength: shape.reduce((n, d) => n * d, 1), maxLength: shape.reduce((n, d) => n * d, 1) }) })),
  iota: source(NUMBERS, (_, shape) => fc.record({ axis: fc.nat(shape.length - 1) }), 1),
  weight: source(ALL_DTYPES, () => fc.record({ name: fc.string({ minLength: 1 }) })),
  ...Object.fromEntries(Object.keys(UNARY_DTYPES).map((op) => [op, unary(op)])),
  ...Object.fromEntries(Object.keys(BINARY_DTYPES).map((op) => [op, binary(op)])),
  where: fc.tuple(dtypeIn(ALL_DTYPES), shapeOf()).map(([d, s]) => ({ operands: [t('bool', s), t(d, s), t(d, s)], attrs: {}, expected: t(d, s) })),
  cast: fc.tuple(dtypeIn(ALL_DTYPES), dtypeIn(ALL_DTYPES), shapeOf(), fc.constantFrom('saturate', 'torch')).map(([from, to, s, mode]): OpCase => ({
    operands: [t(from, s)],
    attrs: to.startsWith('f8') ? { dtype: to, mode } : { dtype: to },
    expected: t(to, s),
  })),
  reduce_sum: reduction,
  reduce_max: reduction,
  reduce_min: reduction,
  cumsum: fc.tuple(dtypeIn(NUMBERS), shapeAndAxis()).map(([d, [s, axis]]) => ({ operands: [t(d, s)], attrs: { axis }, expected: t(d, s) })),
  matmul: fc.tuple(dtypeIn(FLOATS), shapeOf(0, 2), dim, dim, dim).map(([d, batch, m, k, n]) => ({
    operands: [t(d, [...batch, m, k]), t(d, [...batch, k, n])],
    attrs: {},
    expected: t(d, [...batch, m, n]),
  })),
  gather_matmul: fc.tuple(dtypeIn(FLOATS), dim, dim, dim, dim).map(([d, r, k, e, n]) => ({
    operands: [t(d, [r, k]), t(d, [e, k, n]), t('i32', [r])],
    attrs: {},
    expected: t(d, [r, n]),
  })),
  reshape: fc.tuple(dtypeIn(ALL_DTYPES), shapeOf()).chain(([d, s]) =>
    // The same dimensions in another order, with size-1 axes added or dropped, hold as many elements.
    fc.tuple(fc.shuffledSubarray(s, { minLength: s.length, maxLength: s.length }), fc.array(fc.nat(4), { maxLength: 2 })).map(([shuffled, ones]) => {
      const target = shuffled.filter((n) => n !== 1);
      for (const at of ones) target.splice(Math.min(at, target.length), 0, 1);
      return { operands: [t(d, s)], attrs: { shape: target }, expected: t(d, target) };
    }),
  ),
  permute: fc.tuple(dtypeIn(ALL_DTYPES), shapeOf()).chain(([d, s]) =>
    fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length, maxLength: s.length }).map((perm) => ({
      operands: [t(d, s)],
      attrs: { perm },
      expected: t(d, perm.map((p) => s[p]!)),
    })),
  ),
  broadcast: fc.tuple(dtypeIn(ALL_DTYPES), shapeOf()).chain(([d, target]) =>
    fc.array(fc.boolean(), { minLength: target.length, maxLength: target.length }).map((ones) => ({
      operands: [t(d, target.map((n, i) => (ones[i] ? 1 : n)))],
      attrs: { shape: target },
      expected: t(d, target),
    })),
  ),
  slice: fc.tuple(dtypeIn(ALL_DTYPES), shapeOf()).chain(([d, s]) =>
    fc
      .tuple(...s.map((n) => fc.tuple(fc.nat(n), fc.nat(n), fc.integer({ min: 1, max: 3 })).map(([a, b, step]) => [Math.min(a, b), Math.max(a, b), step] as const)))
      .map((axes) => ({
        operands: [t(d, s)],
        attrs: { starts: axes.map((a) => a[0]), ends: axes.map((a) => a[1]), steps: axes.map((a) => a[2]) },
        expected: t(d, axes.map(([start, end, step]) => countStepped(start, end, step))),
      })),
  ),
  concat: fc.tuple(dtypeIn(ALL_DTYPES), shapeAndAxis(), fc.array(dim, { minLength: 1, maxLength: 4 })).map(([d, [s, axis], sizes]) => ({
    operands: sizes.map((n) => t(d, withDim(s, axis, n))),
    attrs: { axis },
    expected: t(d, withDim(s, axis, sizes.reduce((a, b) => a + b, 0))),
  })),
  pad: fc.tuple(dtypeIn(ALL_DTYPES), shapeOf()).chain(([d, s]) =>
    fc.tuple(fc.array(fc.nat(3), { minLength: s.length, maxLength: s.length }), fc.array(fc.nat(3), { minLength: s.length, maxLength: s.length })).map(([lo, hi]) => ({
      operands: [t(d, s)],
      attrs: { lo, hi, value: 0 },
      expected: t(d, s.map((n, i) => lo[i]! + n + hi[i]!)),
    })),
  ),
  dynamic_slice: fc.tuple(dtypeIn(ALL_DTYPES), shapeAndAxis()).chain(([d, [s, axis]]) =>
    fc.nat(s[axis]!).map((size) => ({ operands: [t(d, s), t('i32', [])], attrs: { axis, size }, expected: t(d, withDim(s, axis, size)) })),
  ),
  dynamic_update_slice: fc.tuple(dtypeIn(ALL_DTYPES), shapeAndAxis()).chain(([d, [s, axis]]) =>
    fc.nat(s[axis]!).map((size) => ({ operands: [t(d, s), t(d, withDim(s, axis, size)), t('i32', [])], attrs: { axis }, expected: t(d, s) })),
  ),
  take: fc.tuple(dtypeIn(ALL_DTYPES), shapeAndAxis(), shapeOf(0, 2)).map(([d, [s, axis], idx]) => ({
    operands: [t(d, s), t('i32', idx)],
    attrs: { axis },
    expected: t(d, [...s.slice(0, axis), ...idx, ...s.slice(axis + 1)]),
  })),
  gather: fc.tuple(dtypeIn(ALL_DTYPES), shapeAndAxis(), dim).map(([d, [s, axis], n]) => ({
    operands: [t(d, s), t('i32', withDim(s, axis, n))],
    attrs: { axis },
    expected: t(d, withDim(s, axis, n)),
  })),
  scatter_add: fc.tuple(dtypeIn(NUMBERS), shapeAndAxis(), dim).map(([d, [s, axis], n]) => ({
    operands: [t(d, s), t('i32', withDim(s, axis, n)), t(d, withDim(s, axis, n))],
    attrs: { axis },
    expected: t(d, s),
  })),
  topk: fc.tuple(dtypeIn(NUMBERS), shapeAndAxis()).chain(([d, [s, axis]]) =>
    fc.nat(s[axis]!).map((k) => ({ operands: [t(d, s)], attrs: { axis, k }, expected: t('i32', withDim(s, axis, k)) })),
  ),
};
