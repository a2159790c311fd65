// Elementwise arithmetic, comparisons and selection, with numpy broadcasting. A plain number operand takes
// the dtype of the tensor operand; tensor operands must share a dtype (cast explicitly — no implicit promotion).

import { full, scalarIn } from './creation.js';
import { broadcastAll } from './movement.js';
import { prim, Tensor } from './tensor.js';
import { typed } from './typed.js';

type Binary = (a: Tensor | number, b: Tensor | number) => Tensor;
type Unary = (x: Tensor) => Tensor;

/** A number operand as a constant of the tensor operand's dtype and shape (errors name the op called). */
const splat = (op: string, like: Tensor, x: number): Tensor => prim(like, 'full', [], { dtype: like.dtype, shape: [...like.shape], value: scalarIn(like.dtype, x, op) });

function binaryOp(op: string): Binary {
  const apply = (a: Tensor, b: Tensor) => {
    const [x, y] = broadcastAll(op, a, b);
    return prim(x!, op, [x!, y!]);
  };
  return typed(op, {
    'Tensor, Tensor': apply,
    'Tensor, number': (a: Tensor, b: number) => prim(a, op, [a, splat(op, a, b)]),
    'number, Tensor': (a: number, b: Tensor) => prim(b, op, [splat(op, b, a), b]),
  }) as Binary;
}

function unaryOp(op: string): Unary {
  return typed(op, { Tensor: (x: Tensor) => prim(x, op, [x]) }) as Unary;
}

export const add = binaryOp('add');
export const sub = binaryOp('sub');
export const mul = binaryOp('mul');
export const div = binaryOp('div');
/** Integer remainder, truncating like C (i32 only). */
export const mod = binaryOp('mod');
/** Elementwise maximum; NaN wins (like torch.maximum). */
export const maximum = binaryOp('max');
export const minimum = binaryOp('min');
export const less = binaryOp('lt');
export const lessEqual = binaryOp('le');
export const equal = binaryOp('eq');
export const notEqual = binaryOp('ne');
export const greater: Binary = (a, b) => less(b, a);
export const greaterEqual: Binary = (a, b) => lessEqual(b, a);
export const logicalAnd = binaryOp('and');
export const logicalOr = binaryOp('or');

export const neg = unaryOp('neg');
export const abs = unaryOp('abs');
export const exp = unaryOp('exp');
export const exp2 = unaryOp('exp2');
export const log = unaryOp('log');
export const log2 = unaryOp('log2');
export const sqrt = unaryOp('sqrt');
export const recip = unaryOp('recip');
export const sin = unaryOp('sin');
export const cos = unaryOp('cos');
export const floor = unaryOp('floor');
export const ceil = unaryOp('ceil');
export const logicalNot = unaryOp('not');
export const rsqrt: Unary = (x) => recip(sqrt(x));
export const square: Unary = (x) => mul(x, x);

/** Picks `a` where `cond` holds, else `b` (numpy broadcasting over all three). */
export const where: (cond: Tensor, a: Tensor | number, b: Tensor | number) => Tensor = typed('where', {
  'Tensor, Tensor, Tensor': (c: Tensor, a: Tensor, b: Tensor) => {
    const [cc, aa, bb] = broadcastAll('where', c, a, b);
    return prim(cc!, 'where', [cc!, aa!, bb!]);
  },
  'Tensor, Tensor, number': (c: Tensor, a: Tensor, b: number) => where(c, a, full(a, b, [])),
  'Tensor, number, Tensor': (c: Tensor, a: number, b: Tensor) => where(c, full(b, a, []), b),
}) as never;

/** Clamps into [lo, hi]; NaN stays NaN. */
export const clamp = (x: Tensor, lo: number | undefined, hi: number | undefined): Tensor => {
  const low = lo === undefined ? x : maximum(x, lo);
  return hi === undefined ? low : minimum(low, hi);
};
