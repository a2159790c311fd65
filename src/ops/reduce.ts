// Reductions over axes (all axes by default) and the running sum. Float sums accumulate in at least f32.

import { axesOf, axisOf } from './movement.js';
import { div } from './arith.js';
import { prim, type Tensor } from './tensor.js';
import { typed } from './typed.js';

type Reduction = (x: Tensor, axes?: number | readonly number[], keepdims?: boolean) => Tensor;

function reduction(name: string, op: string): Reduction {
  const apply = (x: Tensor, axes: number | number[] | undefined, keepdims: boolean) =>
    prim(x, op, [x], { axes: axesOf(x, axes, name), keepdims });
  return typed(name, {
    Tensor: (x: Tensor) => apply(x, undefined, false),
    'Tensor, number | Array': (x: Tensor, axes: number | number[]) => apply(x, axes, false),
    'Tensor, number | Array, boolean': apply,
  }) as Reduction;
}

export const sum = reduction('sum', 'reduce_sum');
export const max = reduction('max', 'reduce_max');
export const min = reduction('min', 'reduce_min');

export const mean: Reduction = (x, axes, keepdims = false) => {
  const resolved = axesOf(x, axes, 'mean');
  const count = resolved.reduce((n, a) => n * x.shape[a]!, 1);
  return div(sum(x, resolved, keepdims), count);
};

export const cumsum = (x: Tensor, axis: number): Tensor => prim(x, 'cumsum', [x], { axis: axisOf(x, axis, 'cumsum') });
