// Elementwise ops: operands of one shape (the ops layer broadcasts explicitly), applied per element.
// Narrow floats (f16, bf16) compute in f32 and round the result back to their dtype.

import { formatType, type TensorType } from '../graph.js';
import { fail } from '../errors.js';
import { sameShape } from '../shape.js';
import type { DType } from '../dtype.js';
import type { OpDef } from '../op.js';

const FLOATS: readonly DType[] = ['f32', 'f16', 'bf16'];
const NUMBERS: readonly DType[] = [...FLOATS, 'i32'];
const BOOL: readonly DType[] = ['bool'];
const COMPARABLE: readonly DType[] = [...NUMBERS, 'u8', 'bool'];

function checkDType(t: TensorType, allowed: readonly DType[]): void {
  if (!allowed.includes(t.dtype)) fail(`dtype ${t.dtype} not supported; expected ${allowed.join(', ')}`);
}

function sameTypes(types: readonly TensorType[]): TensorType {
  const [first] = types;
  for (const t of types) {
    if (t.dtype !== first!.dtype) fail(`operand dtypes differ (${types.map(formatType).join(', ')}); cast explicitly`);
    if (!sameShape(t.shape, first!.shape)) fail(`operand shapes differ (${types.map(formatType).join(', ')}); broadcast explicitly`);
  }
  return first!;
}

function unary(name: string, allowed: readonly DType[]): OpDef {
  return {
    name,
    family: 'unary',
    operands: 1,
    attrs: {},
    infer: ([x]) => (checkDType(x!, allowed), x!),
  };
}

function binary(name: string, allowed: readonly DType[], result: 'same' | 'bool' = 'same'): OpDef {
  return {
    name,
    family: 'binary',
    operands: 2,
    attrs: {},
    infer: (types) => {
      const t = sameTypes(types);
      checkDType(t, allowed);
      return result === 'bool' ? { dtype: 'bool', shape: t.shape } : t;
    },
  };
}

export const UNARY_OPS: readonly OpDef[] = [
  unary('neg', NUMBERS),
  unary('abs', NUMBERS),
  unary('exp', FLOATS),
  unary('exp2', FLOATS),
  unary('log', FLOATS),
  unary('log2', FLOATS),
  unary('sqrt', FLOATS),
  unary('recip', FLOATS),
  unary('sin', FLOATS),
  unary('cos', FLOATS),
  unary('floor', FLOATS),
  unary('ceil', FLOATS),
  unary('not', BOOL),
];

export const BINARY_OPS: readonly OpDef[] = [
  binary('add', NUMBERS),
  binary('sub', NUMBERS),
  binary('mul', NUMBERS),
  binary('div', NUMBERS),
  binary('mod', ['i32']),
  binary('max', NUMBERS),
  binary('min', NUMBERS),
  binary('lt', COMPARABLE, 'bool'),
  binary('le', COMPARABLE, 'bool'),
  binary('eq', COMPARABLE, 'bool'),
  binary('ne', COMPARABLE, 'bool'),
  binary('and', BOOL),
  binary('or', BOOL),
];

export const TERNARY_OPS: readonly OpDef[] = [
  {
    name: 'where',
    family: 'ternary',
    operands: 3,
    attrs: {},
    infer: ([cond, a, b]) => {
      if (cond!.dtype !== 'bool') fail(`condition must be bool, got ${formatType(cond!)}`);
      if (!sameShape(cond!.shape, a!.shape)) fail(`condition ${formatType(cond!)} and values ${formatType(a!)} differ in shape; broadcast explicitly`);
      return sameTypes([a!, b!]);
    },
  },
];
