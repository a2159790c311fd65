// Invalid calls of every primitive: each throws an IRError naming the op, its operands with their types, and
// what was expected. Generic breakages (operand count, unknown, missing and ill-kinded attributes) run on every
// primitive; the table below breaks each type rule by hand.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatType, IRError, PRIMITIVES, type AttrSpec, type AttrValue, type Attrs, type DType, type TensorType } from '../../src/ir/index.js';
import { typeOf } from '../support/type-of.js';
import { VALID_CASES } from '../support/valid-op-cases.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function rejection(op: string, operands: readonly TensorType[], attrs: Attrs): string {
  try {
    typeOf(op, operands, attrs);
  } catch (e) {
    expect(e).toBeInstanceOf(IRError);
    const message = (e as Error).message;
    const call = `^${escape(op)}\\(${operands.map((t) => `%\\d+: ${escape(formatType(t))}`).join(', ')}\\)`;
    expect(message).toMatch(new RegExp(call));
    return message;
  }
  throw new Error(`${op} accepted ${operands.map(formatType).join(', ')} ${JSON.stringify(attrs)}`);
}

/** A value of the wrong kind for each attribute kind. */
const WRONG_KIND: Record<AttrSpec['kind'], AttrValue> = {
  int: 1.5,
  ints: [0, 1.5],
  float: 'x',
  floats: true,
  bool: 1,
  string: 2,
  dtype: 'f64',
  enum: 'bogus',
};

describe.each(Object.entries(VALID_CASES))('%s', (op, cases) => {
  const def = PRIMITIVES.get(op)!;
  const sample = (f: (c: { operands: readonly TensorType[]; attrs: Attrs }) => void) => fc.assert(fc.property(cases, f), { numRuns: 10 });

  test('wrong operand count', () => {
    sample(({ operands, attrs }) => {
      if (def.operands === 'variadic') expect(rejection(op, [], attrs)).toContain(': expected at least one operand, got 0');
      else expect(rejection(op, [...operands, { dtype: 'f32', shape: [] }], attrs)).toContain(`: expected ${def.operands} operand(s), got ${def.operands + 1}`);
    });
  });

  test('unknown attribute', () => {
    sample(({ operands, attrs }) => {
      expect(rejection(op, operands, { ...attrs, bogus: 1 })).toContain('unknown attribute "bogus"; expected ');
    });
  });

  test.each(Object.entries(def.attrs))('attribute %s missing or of the wrong kind', (key, spec) => {
    sample(({ operands, attrs }) => {
      const { [key]: _, ...rest } = attrs;
      if (!spec.optional) expect(rejection(op, operands, rest)).toContain(`: missing attribute "${key}"`);
      expect(rejection(op, operands, { ...attrs, [key]: WRONG_KIND[spec.kind] })).toContain(`: attribute "${key}" = `);
    });
  });
});

const T = (text: string): TensorType => {
  const [, dtype, dims] = /^(\w+)\[(.*)\]$/.exec(text)!;
  return { dtype: dtype as DType, shape: dims ? dims.split(',').map(Number) : [] };
};

test.each([
  ['full', [], { dtype: 'f32', shape: [2], value: 0.1 }, 'value 0.1 is not exactly representable in f32'],
  ['full', [], { dtype: 'i32', shape: [2], value: 0.5 }, 'value 0.5 is not exactly representable in i32'],
  ['full', [], { dtype: 'u8', shape: [], value: 256 }, 'value 256 is not exactly representable in u8'],
  ['full', [], { dtype: 'bool', shape: [], value: 2 }, 'value 2 is not exactly representable in bool'],
  ['full', [], { dtype: 'i32', shape: [], value: NaN }, 'value NaN is not exactly representable in i32'],
  ['full', [], { dtype: 'f8e4m3fn', shape: [], value: Infinity }, 'value Infinity is not exactly representable in f8e4m3fn'],
  ['full', [], { dtype: 'f32', shape: [2, -1], value: 0 }, 'shape [2,-1] must be a list of non-negative integers'],
  ['literal', [], { dtype: 'f32', shape: [2, 2], values: [1, 2, 3] }, '3 values given for shape [2,2] (4 elements)'],
  ['literal', [], { dtype: 'f16', shape: [1], values: [1e-9] }, 'value 1e-9 is not exactly representable in f16'],
  ['iota', [], { dtype: 'bool', shape: [3], axis: 0 }, 'dtype bool has no arithmetic'],
  ['iota', [], { dtype: 'i32', shape: [3], axis: 1 }, 'axis 1 out of range for shape [3]'],
  ['iota', [], { dtype: 'i32', shape: [3], axis: -1 }, 'axis -1 out of range for shape [3]'],
  ['weight', [], { dtype: 'f32', shape: [3], name: '' }, 'weight name must not be empty'],
  ['exp', ['i32[2]'], {}, 'dtype i32 not supported; expected f32, f16, bf16'],
  ['neg', ['f8e4m3fn[2]'], {}, 'dtype f8e4m3fn not supported'],
  ['add', ['f32[2,3]', 'f32[3]'], {}, 'operand shapes differ (f32[2,3], f32[3]); broadcast explicitly'],
  ['add', ['f32[3]', 'f16[3]'], {}, 'operand dtypes differ (f32[3], f16[3]); cast explicitly'],
  ['mod', ['f32[3]', 'f32[3]'], {}, 'dtype f32 not supported; expected i32'],
  ['and', ['i32[3]', 'i32[3]'], {}, 'dtype i32 not supported; expected bool'],
  ['lt', ['f8e5m2[3]', 'f8e5m2[3]'], {}, 'dtype f8e5m2 not supported'],
  ['where', ['i32[2]', 'f32[2]', 'f32[2]'], {}, 'condition must be bool, got i32[2]'],
  ['where', ['bool[3]', 'f32[2]', 'f32[2]'], {}, 'condition bool[3] and values f32[2] differ in shape'],
  ['where', ['bool[2]', 'f32[2]', 'i32[2]'], {}, 'operand dtypes differ (f32[2], i32[2])'],
  ['cast', ['f32[2]'], { dtype: 'f8e4m3fn' }, 'casting to f8e4m3fn needs mode "saturate" or "torch"'],
  ['cast', ['f32[2]'], { dtype: 'f16', mode: 'torch' }, 'mode applies only to casts to fp8, not to f16'],
  ['reduce_sum', ['f32[2,3]'], { axes: [], keepdims: false }, 'axes must not be empty'],
  ['reduce_sum', ['f32[2,3]'], { axes: [2], keepdims: false }, 'axis 2 out of range for rank 2'],
  ['reduce_max', ['f32[2,3]'], { axes: [-1], keepdims: true }, 'axis -1 out of range for rank 2'],
  ['reduce_min', ['f32[2,3]'], { axes: [1, 0], keepdims: true }, 'axes [1,0] must be strictly increasing'],
  ['reduce_sum', ['bool[2]'], { axes: [0], keepdims: true }, 'dtype bool not supported; expected f32, f16, bf16, i32'],
  ['cumsum', ['f32[2,3]'], { axis: 2 }, 'axis 2 out of range for f32[2,3]'],
  ['cumsum', ['u8[3]'], { axis: 0 }, 'dtype u8 not supported'],
  ['matmul', ['f32[3]', 'f32[3]'], {}, 'operands must have the same rank >= 2 (f32[3] x f32[3])'],
  ['matmul', ['f32[2,2,3]', 'f32[3,3,4]'], {}, 'batch dimensions differ (f32[2,2,3] x f32[3,3,4]); broadcast explicitly'],
  ['matmul', ['f32[2,3]', 'f32[4,5]'], {}, 'contracted dimensions differ: 3 vs 4'],
  ['matmul', ['i32[2,3]', 'i32[3,4]'], {}, 'dtype i32 not supported (i32[2,3] x i32[3,4]); expected f32, f16 or bf16'],
  ['matmul', ['f32[2,3]', 'bf16[3,4]'], {}, 'operand dtypes differ (f32[2,3] x bf16[3,4]); cast explicitly'],
  ['gather_matmul', ['f32[2,3]', 'f32[4,3,5]', 'i32[3]'], {}, 'ids must be i32 [2]'],
  ['gather_matmul', ['f32[2,3]', 'f32[4,2,5]', 'i32[2]'], {}, 'contracted dimensions differ: 3 vs 2'],
  ['gather_matmul', ['f32[2,3]', 'f32[3,5]', 'i32[2]'], {}, 'expected x [R, K] and w [E, K, N]'],
  ['gather_matmul', ['bf16[2,3]', 'f32[4,3,5]', 'i32[2]'], {}, "w must have x's dtype, or be bf16 or f16 with f32 x"],
  ['gather_matmul', ['f32[2,3]', 'f8e4m3fn[4,3,5]', 'i32[2]'], {}, "w must have x's dtype, or be bf16 or f16 with f32 x"],
  ['gather_matmul', ['i32[2,3]', 'i32[4,3,5]', 'i32[2]'], {}, 'x must be f32, f16 or bf16'],
  ['reshape', ['f32[2,3]'], { shape: [4, 2] }, 'cannot reshape f32[2,3] (6 elements) to [4,2] (8 elements)'],
  ['reshape', ['f32[2,3]'], { shape: [-1, 3] }, 'shape [-1,3] must be a list of non-negative integers'],
  ['permute', ['f32[2,3]'], { perm: [0, 0] }, 'perm [0,0] is not a permutation of the 2 axes of f32[2,3]'],
  ['permute', ['f32[2,3]'], { perm: [0] }, 'perm [0] is not a permutation of the 2 axes'],
  ['broadcast', ['f32[2,3]'], { shape: [4, 2, 3] }, 'cannot broadcast f32[2,3] to [4,2,3]: ranks must match'],
  ['broadcast', ['f32[2,3]'], { shape: [4, 3] }, 'cannot broadcast f32[2,3] to [4,3]'],
  ['slice', ['f32[4]'], { starts: [3], ends: [2], steps: [1] }, 'axis 0: need 0 <= start <= end <= 4, got start 3, end 2'],
  ['slice', ['f32[4]'], { starts: [0], ends: [5], steps: [1] }, 'axis 0: need 0 <= start <= end <= 4, got start 0, end 5'],
  ['slice', ['f32[4]'], { starts: [0], ends: [4], steps: [0] }, 'axis 0: step must be >= 1, got 0'],
  ['slice', ['f32[4,4]'], { starts: [0], ends: [4, 4], steps: [1, 1] }, 'starts [0] must have one entry per axis of f32[4,4]'],
  ['concat', ['f32[2,3]', 'f32[3,3]'], { axis: 1 }, 'operands f32[2,3], f32[3,3] must share dtype and all dimensions but axis 1'],
  ['concat', ['f32[2]', 'i32[2]'], { axis: 0 }, 'operands f32[2], i32[2] must share dtype'],
  ['concat', ['f32[2]'], { axis: 1 }, 'axis 1 out of range for f32[2]'],
  ['pad', ['f32[2]'], { lo: [-1], hi: [0], value: 0 }, 'padding must be non-negative (lo [-1], hi [0]); use slice to crop'],
  ['pad', ['i32[2]'], { lo: [1], hi: [0], value: 0.5 }, 'pad value 0.5 is not exactly representable in i32'],
  ['pad', ['f32[2]'], { lo: [1, 1], hi: [0], value: 0 }, 'lo [1,1] must have one entry per axis of f32[2]'],
  ['dynamic_slice', ['f32[4]', 'i32[1]'], { axis: 0, size: 2 }, 'start must be an i32 scalar, got i32[1]'],
  ['dynamic_slice', ['f32[4]', 'f32[]'], { axis: 0, size: 2 }, 'start must be an i32 scalar, got f32[]'],
  ['dynamic_slice', ['f32[4]', 'i32[]'], { axis: 0, size: 5 }, 'size 5 out of range for axis 0 of f32[4]'],
  ['dynamic_slice', ['f32[4]', 'i32[]'], { axis: 1, size: 1 }, 'axis 1 out of range for f32[4]'],
  ['dynamic_update_slice', ['f32[4,2]', 'f32[5,2]', 'i32[]'], { axis: 0 }, 'update f32[5,2] must match f32[4,2] in dtype and in every dimension but axis 0'],
  ['dynamic_update_slice', ['f32[4,2]', 'f32[1,3]', 'i32[]'], { axis: 0 }, 'update f32[1,3] must match'],
  ['dynamic_update_slice', ['f32[4]', 'f16[1]', 'i32[]'], { axis: 0 }, 'update f16[1] must match f32[4] in dtype'],
  ['take', ['f32[4]', 'f32[2]'], { axis: 0 }, 'indices must be i32, got f32[2]'],
  ['take', ['f32[4]', 'i32[2]'], { axis: 1 }, 'axis 1 out of range for f32[4]'],
  ['gather', ['f32[4,3]', 'i32[2]'], { axis: 0 }, 'indices i32[2] must have the rank of f32[4,3] and equal dimensions except axis 0'],
  ['gather', ['f32[4,3]', 'i32[2,2]'], { axis: 0 }, 'indices i32[2,2] must have the rank of f32[4,3]'],
  ['scatter_add', ['f32[4]', 'i32[2]', 'f32[3]'], { axis: 0 }, 'source f32[3] must have the dtype of f32[4] and the shape of the indices i32[2]'],
  ['scatter_add', ['bool[4]', 'i32[2]', 'bool[2]'], { axis: 0 }, 'dtype bool not supported; expected f32, f16, bf16 or i32'],
  ['topk', ['f32[4]'], { k: 5, axis: 0 }, 'k = 5 out of range: axis 0 of f32[4] has 4 elements'],
  ['topk', ['f32[4]'], { k: -1, axis: 0 }, 'k = -1 out of range'],
  ['topk', ['f32[4]'], { k: 1, axis: 1 }, 'axis 1 out of range for f32[4]'],
  ['topk', ['bool[4]'], { k: 1, axis: 0 }, 'dtype bool not supported'],
] as [string, string[], Attrs, string][])('%s(%s) %o', (op, operands, attrs, reason) => {
  expect(rejection(op, operands.map(T), attrs)).toContain(`: ${reason}`);
});
