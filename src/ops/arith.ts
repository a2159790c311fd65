// Elementwise arithmetic, comparisons and selection, with numpy broadcasting. A plain number operand takes
// the dtype of the tensor operand; tensor operands must share a dtype (cast explicitly — no implicit promotion).

import { full, scalarIn } from './creation.js';
import { broadcastAll } from './movement.js';
import { prim, Tensor } from './tensor.js';
import { typed } from './typed.js';

/** A number operand as a constant of the tensor operand's dtype and shape (errors name the op called). */
const splat = (op: string, like: Tensor, x: number): Tensor => prim(like, 'full', [], { dtype: like.dtype, shape: [...like.shape], value: scalarIn(like.dtype, x, op) });

/** Elementwise `op` of two tensors, or of a tensor and a number; `swapped` computes op(b, a) (greater: lt swapped). */
function binaryOp(op: string, swapped = false) {
  const apply = (a: Tensor, b: Tensor): Tensor => {
    const [x, y] = broadcastAll(op, ...(swapped ? [b, a] : [a, b]));
    return prim(x!, op, [x!, y!]);
  };
  return typed(op, {
    'Tensor, Tensor': apply,
    'Tensor, number': (a: Tensor, b: number) => apply(a, splat(op, a, b)),
    'number, Tensor': (a: number, b: Tensor) => apply(splat(op, b, a), b),
  });
}

const unaryOp = (op: string) => typed(op, { Tensor: (x: Tensor) => prim(x, op, [x]) });

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
export const greater = binaryOp('lt', true);
export const greaterEqual = binaryOp('le', true);
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
export const rsqrt = (x: Tensor): Tensor => recip(sqrt(x));
export const square = (x: Tensor): Tensor => mul(x, x);

/** Picks `a` where `cond` holds, else `b` (numpy broadcasting over all three). */
export const where = typed('where', {
  'Tensor, Tensor, Tensor': (c: Tensor, a: Tensor, b: Tensor): Tensor => {
    const [cc, aa, bb] = broadcastAll('where', c, a, b);
    return prim(cc!, 'where', [cc!, aa!, bb!]);
  },
  'Tensor, Tensor, number': (c: Tensor, a: Tensor, b: number): Tensor => where(c, a, full(a, b, [])),
  'Tensor, number, Tensor': (c: Tensor, a: number, b: Tensor): Tensor => where(c, full(b, a, []), b),
});

/** Clamps into [lo, hi]; NaN stays NaN. */
export const clamp = (x: Tensor, lo: number | undefined, hi: number | undefined): Tensor => {
  const low = lo === undefined ? x : maximum(x, lo);
  return hi === undefined ? low : minimum(low, hi);
};
