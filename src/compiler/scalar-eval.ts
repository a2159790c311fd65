// Evaluates one element of an elementwise op or cast, exactly as spec/ops.md defines it. The compiler uses it
// to fold constants; backends implement the same semantics in their own code (tests compare them).

import { isFloat, type DType } from '../ir/index.js';
import { roundToDType, type Fp8CastMode } from '../numerics/index.js';

const f = Math.fround;

function floatOp(op: string, a: number, b: number): number {
  switch (op) {
    case 'neg': return -a;
    case 'abs': return Math.abs(a);
    case 'exp': return Math.exp(a);
    case 'exp2': return 2 ** a;
    case 'log': return Math.log(a);
    case 'log2': return Math.log2(a);
    case 'sqrt': return Math.sqrt(a);
    case 'recip': return 1 / a;
    case 'sin': return Math.sin(a);
    case 'cos': return Math.cos(a);
    case 'floor': return Math.floor(a);
    case 'ceil': return Math.ceil(a);
    case 'add': return a + b;
    case 'sub': return a - b;
    case 'mul': return a * b;
    case 'div': return a / b;
    case 'max': return Math.max(a, b);
    case 'min': return Math.min(a, b);
    default: throw new Error(`no float semantics for ${op}`);
  }
}

function intOp(op: string, a: number, b: number): number {
  switch (op) {
    case 'neg': return -a | 0;
    case 'abs': return Math.abs(a) | 0;
    case 'add': return (a + b) | 0;
    case 'sub': return (a - b) | 0;
    case 'mul': return Math.imul(a, b);
    case 'div': return b === 0 ? a : (a / b) | 0;
    case 'mod': return b === 0 ? 0 : (a % b) | 0;
    case 'max': return Math.max(a, b);
    case 'min': return Math.min(a, b);
    default: throw new Error(`no i32 semantics for ${op}`);
  }
}

/** The result of elementwise `op` on operands of `dtype` (comparisons and logic give 0/1). */
export function evalElementwise(op: string, dtype: DType, args: readonly number[]): number {
  const [a = 0, b = 0, c = 0] = args;
  switch (op) {
    case 'lt': return Number(a < b);
    case 'le': return Number(a <= b);
    case 'eq': return Number(a === b);
    case 'ne': return Number(a !== b);
    case 'and': return Number(a !== 0 && b !== 0);
    case 'or': return Number(a !== 0 || b !== 0);
    case 'not': return Number(a === 0);
    case 'where': return a !== 0 ? b : c;
  }
  if (dtype === 'i32') return intOp(op, a, b);
  // Narrow floats compute in f32, then round to their dtype.
  const r = f(floatOp(op, a, b));
  return dtype === 'f32' ? r : roundToDType(r, dtype);
}

/** cast semantics for one element. */
export function evalCast(x: number, from: DType, to: DType, mode?: Fp8CastMode): number {
  if (to === 'bool') return Number(x !== 0);
  if (isFloat(to)) return roundToDType(isFloat(from) ? x : f(x), to, mode);
  if (!isFloat(from)) return to === 'u8' ? x & 0xff : x;
  return roundToDType(x, to);
}
