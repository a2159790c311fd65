// Reductions over axes (all axes by default) and the running sum. Float sums accumulate in at least f32.

import { axesOf, axisOf } from './movement.js';
import { div } from './arith.js';
import { prim, type Tensor } from './tensor.js';
import { typed } from './typed.js';

type Axes = number | readonly number[];

function reduction(name: string, op: string) {
  const apply = (x: Tensor, axes: Axes | undefined, keepdims: boolean): Tensor => prim(x, op, [x], { axes: axesOf(x, axes, name), keepdims });
  return typed(name, {
    Tensor: (x: Tensor) => apply(x, undefined, false),
    'Tensor, number | Array': (x: Tensor, axes: Axes) => apply(x, axes, false),
    'Tensor, number | Array, boolean': (x: Tensor, axes: Axes, keepdims: boolean) => apply(x, axes, keepdims),
  });
}

export const sum = reduction('sum', 'reduce_sum');
export const max = reduction('max', 'reduce_max');
export const min = reduction('min', 'reduce_min');

export const mean = (x: Tensor, axes?: Axes, keepdims = false): Tensor => {
  const resolved = axesOf(x, axes, 'mean');
  const count = resolved.reduce((n, a) => n * x.shape[a]!, 1);
  return div(sum(x, resolved, keepdims), count);
};

export const cumsum = (x: Tensor, axis: number): Tensor => prim(x, 'cumsum', [x], { axis: axisOf(x, axis, 'cumsum') });
