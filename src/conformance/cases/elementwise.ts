// Cases for the elementwise primitives: every unary and binary op, `where`, in each dtype it accepts (as its entry
// in src/ir/ops/elementwise.ts says), on data that holds the special values (signed zeros, infinities, NaN,
// subnormals, integer extremes).

import { ELEMENTWISE_OPS, type DType, type ElementwiseDef, type Value } from '../../ir/index.js';
import { conformanceCase, type CaseScope, type ConformanceCase } from '../case.js';

/** One output per dtype, named after it. */
function perDType(dtypes: readonly DType[], s: CaseScope, f: (dtype: DType, input: (name: string) => Value) => Value): Record<string, Value> {
  return Object.fromEntries(dtypes.map((d) => [d, f(d, (name) => s.input(`${name}_${d}`, d, [6, 7], 'specials'))]));
}

/** One op of each kind runs in the quick pass. */
const QUICK = new Set(['exp', 'add', 'eq', 'where']);

/** A unary or binary op on operands named x and y, in every dtype it accepts. */
const opCase = ({ name, family, dtypes }: ElementwiseDef): ConformanceCase =>
  conformanceCase(name, (s) => perDType(dtypes, s, (_, input) => s.b.op(name, (family === 'unary' ? ['x'] : ['x', 'y']).map(input))), { quick: QUICK.has(name) });

const whereCase = conformanceCase('where', (s) => {
  const cond = s.input('cond', 'bool', [6, 7]);
  return perDType(['f32', 'bf16', 'f8e4m3fn', 'i32', 'u8', 'bool'], s, (_, input) => s.b.op('where', [cond, input('a'), input('b')]));
}, { quick: true });

export const ELEMENTWISE_CASES: readonly ConformanceCase[] = [
  ...ELEMENTWISE_OPS.filter((d) => d.family !== 'ternary').map(opCase),
  whereCase,
];
