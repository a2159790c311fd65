// Cases for the elementwise primitives: every unary and binary op, `where`, in each dtype it accepts, on data that
// holds the special values (signed zeros, infinities, NaN, subnormals, integer extremes).

import type { DType, Value } from '../../ir/index.js';
import { conformanceCase, type CaseScope, type ConformanceCase } from '../case.js';

const FLOATS: readonly DType[] = ['f32', 'f16', 'bf16'];
const NUMBERS: readonly DType[] = [...FLOATS, 'i32'];

const UNARY: Readonly<Record<string, readonly DType[]>> = {
  neg: NUMBERS,
  abs: NUMBERS,
  ...Object.fromEntries(['exp', 'exp2', 'log', 'log2', 'sqrt', 'recip', 'sin', 'cos', 'floor', 'ceil'].map((op) => [op, FLOATS])),
  not: ['bool'],
};

const BINARY: Readonly<Record<string, readonly DType[]>> = {
  ...Object.fromEntries(['add', 'sub', 'mul', 'div', 'max', 'min'].map((op) => [op, NUMBERS])),
  mod: ['i32'],
  ...Object.fromEntries(['lt', 'le', 'eq', 'ne'].map((op) => [op, [...NUMBERS, 'u8', 'bool']])),
  and: ['bool'],
  or: ['bool'],
};

/** One output per dtype, named after it. */
function perDType(dtypes: readonly DType[], s: CaseScope, f: (dtype: DType, input: (name: string) => Value) => Value): Record<string, Value> {
  return Object.fromEntries(dtypes.map((d) => [d, f(d, (name) => s.input(`${name}_${d}`, d, [6, 7], 'specials'))]));
}

/** One op of each kind runs in the quick pass. */
const QUICK = new Set(['exp', 'add', 'eq', 'where']);

const unaryCase = (op: string, dtypes: readonly DType[]): ConformanceCase =>
  conformanceCase(op, (s) => perDType(dtypes, s, (_, input) => s.b.op(op, [input('x')])), { quick: QUICK.has(op) });

const binaryCase = (op: string, dtypes: readonly DType[]): ConformanceCase =>
  conformanceCase(op, (s) => perDType(dtypes, s, (_, input) => s.b.op(op, [input('x'), input('y')])), { quick: QUICK.has(op) });

const whereCase = conformanceCase('where', (s) => {
  const cond = s.input('cond', 'bool', [6, 7]);
  return perDType(['f32', 'bf16', 'f8e4m3fn', 'i32', 'u8', 'bool'], s, (_, input) => s.b.op('where', [cond, input('a'), input('b')]));
}, { quick: true });

export const ELEMENTWISE_CASES: readonly ConformanceCase[] = [
  ...Object.entries(UNARY).map(([op, dtypes]) => unaryCase(op, dtypes)),
  ...Object.entries(BINARY).map(([op, dtypes]) => binaryCase(op, dtypes)),
  whereCase,
];
