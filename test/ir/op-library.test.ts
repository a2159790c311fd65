// The op library (src/ops) on top of the IR: typed-function TypeErrors for wrong argument types, numpy
// broadcasting and its failures, negative axes resolved to canonical ones, reshape with -1.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { broadcastShapes, IRError, type DType, type Shape } from '../../src/ir/index.js';
import * as ops from '../../src/ops/index.js';
import { Trace, type Tensor } from '../../src/ops/index.js';
import { shapeOf } from '../support/valid-op-cases.js';

function tensor(shape: Shape, dtype: DType = 'f32'): Tensor {
  return new Trace('t').input('x', dtype, shape);
}

/** Two tensors in one graph. */
function pair(a: Shape, b: Shape, dtype: DType = 'f32'): [Tensor, Tensor] {
  const t = new Trace('t');
  return [t.input('a', dtype, a), t.input('b', dtype, b)];
}

const lastNode = (x: Tensor) => x.value.node!;

describe('typed-function rejects wrong argument types with a TypeError naming the function', () => {
  const x = tensor([2, 3]);
  const untyped = ops as unknown as Record<string, (...args: unknown[]) => unknown>;
  test.each([
    ['add', ['a', x], 'Unexpected type of argument in function add (expected: number or Tensor, actual: string, index: 0)'],
    ['add', [x], 'Too few arguments in function add (expected: number or Tensor, index: 1)'],
    ['mul', [x, x, x], 'Too many arguments in function mul (expected: 2, actual: 3)'],
    ['sum', [x, 'a'], 'Unexpected type of argument in function sum (expected: number or Array, actual: string, index: 1)'],
    ['reshape', [x, 3], 'Unexpected type of argument in function reshape (expected: Array, actual: number, index: 1)'],
    ['softmax', [x, '1'], 'Unexpected type of argument in function softmax (expected: number, actual: string, index: 1)'],
    ['matmul', [x], 'Too few arguments in function matmul (expected: Tensor, index: 1)'],
    ['exp', [1], 'Unexpected type of argument in function exp (expected: Tensor, actual: number, index: 0)'],
    ['where', [x, 1, 2], 'Unexpected type of argument in function where'],
  ] as [string, unknown[], string][])('%s', (name, args, message) => {
    expect(() => untyped[name]!(...args)).toThrow(TypeError);
    expect(() => untyped[name]!(...args)).toThrow(message);
  });

  test('wrong dtypes and modes are TypeErrors too', () => {
    expect(() => ops.add(tensor([2], 'i32'), 0.5)).toThrow(new TypeError('add: 0.5 is not a valid i32 value'));
    expect(() => ops.cast(x, 'f8e4m3fn')).toThrow(new TypeError('cast to f8e4m3fn needs a mode: "saturate" or "torch"'));
    expect(() => ops.cast(x, 'f64' as DType)).toThrow('cast: unknown dtype "f64"; expected one of f32, f16, bf16, f8e4m3fn, f8e5m2, i32, u8, bool');
    expect(() => ops.concat([], 0)).toThrow(new TypeError('concat: expected a non-empty array of Tensors'));
  });

  test('tensors of different dtypes are an IRError from the builder, not a silent promotion', () => {
    const t = new Trace('t');
    expect(() => ops.add(t.input('a', 'f32', [2]), t.input('b', 'i32', [2]))).toThrow(/^add\(%\d+: f32\[2\], %\d+: i32\[2\]\): operand dtypes differ/);
  });
});

describe('broadcasting', () => {
  test('binary ops broadcast like numpy, through explicit reshape and broadcast nodes', () => {
    const shapes = shapeOf(0, 4, 1).chain((s) =>
      fc.tuple(fc.constant(s), fc.nat(s.length), fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length })).map(([s, drop, ones]) => [s, s.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d))] as const),
    );
    fc.assert(
      fc.property(shapes, fc.boolean(), ([a, b], swap) => {
        const [x, y] = swap ? pair(b, a) : pair(a, b);
        const out = ops.add(x, y);
        expect(out.shape).toEqual(broadcastShapes(a, b));
        expect(lastNode(out).inputs.every((v) => v.shape.length === out.rank && v.shape.every((d, i) => d === out.shape[i]))).toBe(true);
      }),
    );
  });

  test('shapes that do not broadcast are an IRError naming the op and shapes', () => {
    expect(() => ops.add(...pair([2, 3], [4]))).toThrow(new IRError('add: shapes [2,3], [4] do not broadcast'));
    const t = new Trace('t');
    expect(() => ops.where(t.input('c', 'bool', [3]), t.input('a', 'f32', [2, 3]), t.input('b', 'f32', [2, 1, 2]))).toThrow(
      'where: shapes [3], [2,3], [2,1,2] do not broadcast',
    );
    expect(() => ops.broadcastTo(tensor([3]), [2, 4])).toThrow('broadcastTo: cannot broadcast Tensor(');
  });

  test('matmul broadcasts batch dimensions and handles 1-D operands', () => {
    const [a, b] = pair([2, 1, 3, 4], [5, 4, 6]);
    expect(ops.matmul(a, b).shape).toEqual([2, 5, 3, 6]);
    const [v, m] = pair([4], [4, 6]);
    expect(ops.matmul(v, m).shape).toEqual([6]);
    expect(() => ops.matmul(...pair([2, 3], [4, 5]))).toThrow(/^matmul: .* contracted dimensions differ \(3 vs 4\)$/);
  });
});

describe('negative axes resolve to canonical IR axes', () => {
  const x = () => tensor([2, 3, 4]);
  test('reductions sort and resolve axes', () => {
    expect(lastNode(ops.sum(x(), -1)).attrs).toEqual({ axes: [2], keepdims: false });
    expect(lastNode(ops.max(x(), [-1, 0], true)).attrs).toEqual({ axes: [0, 2], keepdims: true });
    expect(lastNode(ops.min(x())).attrs.axes).toEqual([0, 1, 2]);
    expect(() => ops.sum(x(), [0, -3])).toThrow(new RangeError('sum: repeated axis in [0,-3]'));
    expect(() => ops.sum(x(), 3)).toThrow(/^sum: axis 3 out of range for Tensor\(%\d+: f32\[2,3,4\]\) \(rank 3\)$/);
  });

  test('axis-taking ops', () => {
    const softmax = ops.softmax(x(), -2);
    expect(lastNode(softmax).attrs).toEqual({ axis: 1 });
    expect(lastNode(ops.cumsum(x(), -1)).attrs).toEqual({ axis: 2 });
    expect(lastNode(ops.topk(x(), 2)).attrs).toEqual({ k: 2, axis: 2 });
    expect(lastNode(ops.transpose(x())).attrs).toEqual({ perm: [0, 2, 1] });
    expect(lastNode(ops.permute(x(), [-1, 0, 1])).attrs).toEqual({ perm: [2, 0, 1] });
    expect(ops.slice(x(), -1, -3).shape).toEqual([2, 3, 3]);
    expect(ops.unsqueeze(x(), -1).shape).toEqual([2, 3, 4, 1]);
    expect(() => ops.cumsum(x(), -4)).toThrow(RangeError);
  });
});

describe('reshape', () => {
  test.each([
    [[2, 3, 4], [-1, 4], [6, 4]],
    [[2, 3, 4], [4, -1], [4, 6]],
    [[2, 3, 4], [-1], [24]],
    [[0, 3], [-1, 3], [0, 3]],
    [[], [1, -1], [1, 1]],
  ])('%j to %j gives %j', (from, to, expected) => {
    expect(ops.reshape(tensor(from), to).shape).toEqual(expected);
  });

  test('the same shape adds no node', () => {
    const x = tensor([2, 3]);
    expect(ops.reshape(x, [2, -1])).toBe(x);
  });

  test.each([
    [[-1, -1], 'reshape: invalid shape [-1,-1] for Tensor('],
    [[4, -1], '(6 elements) to [4,-1]'],
    [[7], '(6 elements) to [7]'],
    [[2, -2], 'reshape: invalid shape [2,-2]'],
    [[1.5, 4], 'reshape: invalid shape [1.5,4]'],
  ])('%j is a RangeError', (to, message) => {
    const x = tensor([2, 3]);
    expect(() => ops.reshape(x, to)).toThrow(RangeError);
    expect(() => ops.reshape(x, to)).toThrow(message);
  });
});
