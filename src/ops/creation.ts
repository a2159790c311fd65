// Tensors made from numbers: splat constants, small literal arrays, index ramps.

import { isFloat, type DType, type Shape } from '../ir/index.js';
import { roundToDType } from '../numerics/index.js';
import { prim, type Tensor } from './tensor.js';

/**
 * The value a JS number takes in `dtype`: floats round to nearest via f32 (as torch does with a Python float
 * literal; fp8 saturates); integers and booleans must already be exact, so nothing is silently truncated.
 */
export function scalarIn(dtype: DType, x: number, what = 'scalar'): number {
  if (typeof x !== 'number') throw new TypeError(`${what}: expected a number, got ${typeof x}`);
  if (isFloat(dtype)) return roundToDType(Math.fround(x), dtype, 'saturate');
  if (dtype === 'bool' ? x !== 0 && x !== 1 : !Number.isInteger(x) || roundToDType(x, dtype) !== x)
    throw new TypeError(`${what}: ${x} is not a valid ${dtype} value`);
  return x;
}

/** A tensor of `shape` filled with `value`, in the graph of `like` (dtype defaults to like's). */
export const full = (like: Tensor, value: number, shape: Shape = like.shape, dtype: DType = like.dtype): Tensor =>
  prim(like, 'full', [], { dtype, shape: [...shape], value: scalarIn(dtype, value, 'full') });

export const literal = (like: Tensor, values: readonly number[], shape: Shape, dtype: DType = like.dtype): Tensor =>
  prim(like, 'literal', [], { dtype, shape: [...shape], values: values.map((v) => scalarIn(dtype, v, 'literal')) });

/** Values 0, 1, 2, ... along `axis`, repeated over the other axes. */
export const iota = (like: Tensor, shape: Shape, axis = 0, dtype: DType = 'i32'): Tensor => prim(like, 'iota', [], { dtype, shape: [...shape], axis });
