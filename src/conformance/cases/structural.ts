// Cases for the primitives that are not elementwise: sources, reductions and scans, contractions, movement and
// indexing, each in the dtypes where backends tend to differ (packed 8- and 16-bit storage, i32 wrap-around).

import { tensorData, type DType } from '../../ir/index.js';
import { conformanceCase, type CaseScope, type ConformanceCase } from '../case.js';

/** In-range indices in [0, bound) of the given shape. */
const indices = (s: CaseScope, shape: number[], bound: number) =>
  tensorData('i32', shape, Int32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => s.rng.int(bound)));

const scalar = (value: number) => tensorData('i32', [], Int32Array.of(value));

const SOURCES: readonly ConformanceCase[] = [
  conformanceCase('full', ({ b }) => {
    const values: [DType, number][] = [['f32', -3.25], ['f16', 65504], ['bf16', -0], ['f8e4m3fn', 448], ['f8e5m2', -Infinity], ['i32', -(2 ** 31)], ['u8', 255], ['bool', 1]];
    return Object.fromEntries(values.map(([dtype, value]) => [dtype, b.op('full', [], { dtype, shape: [3, 5], value })]));
  }, { quick: true }),
  conformanceCase('literal', ({ b }) => {
    const values: [DType, number[]][] = [['f32', [1.5, -0, Infinity, NaN, 2 ** -149, -7]], ['bf16', [1, -2, 0.5, 3, -0, 4]], ['f8e5m2', [1, -2, 0.5, 57344, -0, 2 ** -16]], ['i32', [1, -2, 2 ** 31 - 1, 0, 5, -9]], ['u8', [0, 1, 2, 255, 128, 7]], ['bool', [1, 0, 0, 1, 1, 0]]];
    return Object.fromEntries(values.map(([dtype, v]) => [dtype, b.op('literal', [], { dtype, shape: [2, 3], values: v })]));
  }),
  conformanceCase('iota', ({ b }) => ({
    f32: b.op('iota', [], { dtype: 'f32', shape: [3, 5], axis: 1 }),
    f16: b.op('iota', [], { dtype: 'f16', shape: [4, 3], axis: 0 }),
    // bf16 holds 8 significant bits: indices past 256 round.
    bf16: b.op('iota', [], { dtype: 'bf16', shape: [300], axis: 0 }),
    i32: b.op('iota', [], { dtype: 'i32', shape: [2, 3, 4], axis: 2 }),
  })),
  conformanceCase('weight', (s) => ({
    f32: s.weight('w_f32', 'f32', [4, 6], 'specials'),
    bf16: s.b.op('add', [s.weight('w_bf16', 'bf16', [3, 5]), s.input('x', 'bf16', [3, 5])]),
    f8e4m3fn: s.weight('w_f8', 'f8e4m3fn', [7]),
    i32: s.weight('w_i32', 'i32', [2, 3], 'specials'),
    bool: s.weight('w_bool', 'bool', [5]),
  })),
];

const REDUCTIONS: readonly ConformanceCase[] = [
  conformanceCase('reduce_sum', (s) => ({
    f32_middle: s.b.op('reduce_sum', [s.input('a', 'f32', [4, 5, 6])], { axes: [1], keepdims: false }),
    f32_outer_keepdims: s.b.op('reduce_sum', [s.input('b', 'f32', [4, 5, 6], 'specials')], { axes: [0, 2], keepdims: true }),
    f32_long: s.b.op('reduce_sum', [s.input('c', 'f32', [3, 700])], { axes: [1], keepdims: false }),
    bf16: s.b.op('reduce_sum', [s.input('d', 'bf16', [3, 40])], { axes: [1], keepdims: false }),
    f16: s.b.op('reduce_sum', [s.input('e', 'f16', [40, 3])], { axes: [0], keepdims: true }),
    i32_wraps: s.b.op('reduce_sum', [s.input('f', 'i32', [6, 5], 'specials')], { axes: [0, 1], keepdims: false }),
  }), { quick: true }),
  ...['reduce_max', 'reduce_min'].map((op) =>
    conformanceCase(op, (s) => ({
      f32: s.b.op(op, [s.input('a', 'f32', [5, 7], 'specials')], { axes: [1], keepdims: false }),
      f32_all: s.b.op(op, [s.input('b', 'f32', [3, 4, 2], 'specials')], { axes: [0, 1, 2], keepdims: true }),
      bf16: s.b.op(op, [s.input('c', 'bf16', [6, 4], 'specials')], { axes: [0], keepdims: false }),
      i32: s.b.op(op, [s.input('d', 'i32', [4, 6], 'specials')], { axes: [1], keepdims: false }),
    })),
  ),
  conformanceCase('cumsum', (s) => ({
    f32_inner: s.b.op('cumsum', [s.input('a', 'f32', [3, 9])], { axis: 1 }),
    f32_outer: s.b.op('cumsum', [s.input('b', 'f32', [6, 2, 3])], { axis: 0 }),
    bf16: s.b.op('cumsum', [s.input('c', 'bf16', [2, 30])], { axis: 1 }),
    i32_wraps: s.b.op('cumsum', [s.input('d', 'i32', [4, 5], 'specials')], { axis: 1 }),
  })),
];

const CONTRACTIONS: readonly ConformanceCase[] = [
  conformanceCase('matmul', (s) => ({ f32_batched: s.b.op('matmul', [s.input('a', 'f32', [2, 5, 7]), s.input('b', 'f32', [2, 7, 6])]) })),
  conformanceCase('matmul against a weight, long k', (s) => ({ f32: s.b.op('matmul', [s.input('a', 'f32', [9, 300]), s.weight('w', 'f32', [300, 13])]) })),
  conformanceCase('matmul with specials', (s) => ({ f32: s.b.op('matmul', [s.input('a', 'f32', [3, 4], 'specials'), s.input('b', 'f32', [4, 2], 'specials')]) })),
  conformanceCase('matmul in narrow floats', (s) => ({
    bf16: s.b.op('matmul', [s.input('a', 'bf16', [4, 8]), s.input('b', 'bf16', [8, 3])]),
    f16: s.b.op('matmul', [s.input('c', 'f16', [1, 16]), s.input('d', 'f16', [16, 9])]),
  })),
  conformanceCase('gather_matmul', (s) => ({
    f32: s.b.op('gather_matmul', [s.input('x', 'f32', [6, 5]), s.weight('w', 'f32', [4, 5, 7]), s.input('ids', 'i32', [6], indices(s, [6], 4))]),
    bf16: s.b.op('gather_matmul', [s.input('y', 'bf16', [3, 8]), s.input('v', 'bf16', [2, 8, 4]), s.input('ids2', 'i32', [3], indices(s, [3], 2))]),
  })),
];

const MOVEMENT: readonly ConformanceCase[] = [
  conformanceCase('reshape', (s) => ({
    f32: s.b.op('reshape', [s.input('a', 'f32', [2, 3, 4], 'specials')], { shape: [4, 6] }),
    bf16: s.b.op('reshape', [s.input('b', 'bf16', [6, 5])], { shape: [3, 10] }),
    f8e4m3fn: s.b.op('reshape', [s.input('c', 'f8e4m3fn', [3, 5])], { shape: [5, 3] }),
    bool: s.b.op('reshape', [s.input('d', 'bool', [7])], { shape: [7, 1] }),
  })),
  conformanceCase('permute', (s) => ({
    f32: s.b.op('permute', [s.input('a', 'f32', [2, 3, 4])], { perm: [2, 0, 1] }),
    f16: s.b.op('permute', [s.input('b', 'f16', [3, 5])], { perm: [1, 0] }),
    f8e5m2: s.b.op('permute', [s.input('c', 'f8e5m2', [3, 5, 2])], { perm: [1, 2, 0] }),
    u8: s.b.op('permute', [s.input('d', 'u8', [5, 3])], { perm: [1, 0] }),
  }), { quick: true }),
  conformanceCase('broadcast', (s) => ({
    f32: s.b.op('broadcast', [s.input('a', 'f32', [1, 4])], { shape: [3, 4] }),
    bf16: s.b.op('broadcast', [s.input('b', 'bf16', [3, 1, 2])], { shape: [3, 5, 2] }),
    bool: s.b.op('broadcast', [s.input('c', 'bool', [1, 1])], { shape: [2, 9] }),
  })),
  conformanceCase('slice', (s) => ({
    f32: s.b.op('slice', [s.input('a', 'f32', [7, 9])], { starts: [1, 2], ends: [7, 9], steps: [2, 3] }),
    f8e4m3fn: s.b.op('slice', [s.input('b', 'f8e4m3fn', [5, 6])], { starts: [0, 1], ends: [5, 4], steps: [1, 1] }),
    i32: s.b.op('slice', [s.input('c', 'i32', [10])], { starts: [3], ends: [10], steps: [3] }),
  })),
  conformanceCase('concat', (s) => ({
    f32: s.b.op('concat', [s.input('a', 'f32', [2, 3]), s.input('b', 'f32', [4, 3]), s.input('c', 'f32', [1, 3])], { axis: 0 }),
    bf16: s.b.op('concat', [s.input('d', 'bf16', [2, 3]), s.input('e', 'bf16', [2, 1])], { axis: 1 }),
    u8: s.b.op('concat', [s.input('f', 'u8', [3]), s.input('g', 'u8', [2])], { axis: 0 }),
  })),
  conformanceCase('pad', (s) => ({
    f32: s.b.op('pad', [s.input('a', 'f32', [3, 4])], { lo: [1, 0], hi: [2, 3], value: -1.5 }),
    bf16: s.b.op('pad', [s.input('b', 'bf16', [2, 3])], { lo: [0, 2], hi: [1, 0], value: Infinity }),
    f8e4m3fn: s.b.op('pad', [s.input('c', 'f8e4m3fn', [5])], { lo: [3], hi: [2], value: 448 }),
    bool: s.b.op('pad', [s.input('d', 'bool', [2, 2])], { lo: [1, 1], hi: [1, 1], value: 1 }),
  }), { quick: true }),
  conformanceCase('dynamic_slice', (s) => {
    const [start, clamped] = [s.input('start', 'i32', [], scalar(4)), s.input('past_end', 'i32', [], scalar(9))];
    return {
      f32: s.b.op('dynamic_slice', [s.input('a', 'f32', [10, 4]), start], { axis: 0, size: 3 }),
      bf16_clamped: s.b.op('dynamic_slice', [s.input('b', 'bf16', [3, 10]), clamped], { axis: 1, size: 4 }),
      i32_negative: s.b.op('dynamic_slice', [s.input('c', 'i32', [6]), s.input('before', 'i32', [], scalar(-3))], { axis: 0, size: 2 }),
    };
  }),
  conformanceCase('dynamic_update_slice', (s) => {
    const start = s.input('start', 'i32', [], scalar(5));
    return {
      f32: s.b.op('dynamic_update_slice', [s.input('a', 'f32', [8, 3]), s.input('u', 'f32', [2, 3]), start], { axis: 0 }),
      bf16_clamped: s.b.op('dynamic_update_slice', [s.input('b', 'bf16', [2, 6]), s.input('v', 'bf16', [2, 3]), start], { axis: 1 }),
      f8e4m3fn: s.b.op('dynamic_update_slice', [s.input('c', 'f8e4m3fn', [9]), s.input('w', 'f8e4m3fn', [3]), start], { axis: 0 }),
    };
  }, { quick: true }),
];

/** Ties, NaN (ranked above +inf), signed zeros and infinities in one row. */
const TOPK_ROWS = [3, -0, 0, NaN, Infinity, 3, -Infinity, 1, 3, 2, 0, -0, NaN, 5, 5, -1, 2, 2];

const INDEXING: readonly ConformanceCase[] = [
  conformanceCase('take', (s) => ({
    f32_rows: s.b.op('take', [s.input('a', 'f32', [6, 4]), s.input('ia', 'i32', [2, 3], indices(s, [2, 3], 6))], { axis: 0 }),
    bf16_columns: s.b.op('take', [s.input('b', 'bf16', [3, 5]), s.input('ib', 'i32', [4], indices(s, [4], 5))], { axis: 1 }),
    bool: s.b.op('take', [s.input('c', 'bool', [7]), s.input('ic', 'i32', [3], indices(s, [3], 7))], { axis: 0 }),
  }), { quick: true }),
  conformanceCase('gather', (s) => ({
    f32: s.b.op('gather', [s.input('a', 'f32', [4, 5]), s.input('ia', 'i32', [4, 3], indices(s, [4, 3], 5))], { axis: 1 }),
    i32: s.b.op('gather', [s.input('b', 'i32', [3, 2]), s.input('ib', 'i32', [5, 2], indices(s, [5, 2], 3))], { axis: 0 }),
  })),
  conformanceCase('scatter_add', (s) => ({
    f32: s.b.op('scatter_add', [s.input('a', 'f32', [5, 4]), s.input('ia', 'i32', [7, 4], indices(s, [7, 4], 5)), s.input('sa', 'f32', [7, 4])], { axis: 0 }),
    bf16: s.b.op('scatter_add', [s.input('b', 'bf16', [3, 6]), s.input('ib', 'i32', [3, 9], indices(s, [3, 9], 6)), s.input('sb', 'bf16', [3, 9])], { axis: 1 }),
    i32_wraps: s.b.op('scatter_add', [s.input('c', 'i32', [4], 'specials'), s.input('ic', 'i32', [8], indices(s, [8], 4)), s.input('sc', 'i32', [8], 'specials')], { axis: 0 }),
  })),
  conformanceCase('topk', (s) => {
    const rows = s.input('a', 'f32', [2, 9], tensorData('f32', [2, 9], Float32Array.from(TOPK_ROWS)));
    return {
      f32: s.b.op('topk', [rows], { axis: 1, k: 4 }),
      f32_argsort: s.b.op('topk', [s.b.op('neg', [rows])], { axis: 1, k: 9 }),
      bf16_columns: s.b.op('topk', [s.input('b', 'bf16', [5, 3])], { axis: 0, k: 2 }),
      i32: s.b.op('topk', [s.input('c', 'i32', [3, 6], 'specials')], { axis: 1, k: 3 }),
    };
  }, { quick: true }),
];

export const STRUCTURAL_CASES: readonly ConformanceCase[] = [...SOURCES, ...REDUCTIONS, ...CONTRACTIONS, ...MOVEMENT, ...INDEXING];
