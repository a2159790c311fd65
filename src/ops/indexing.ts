// Indexing: take (index_select / embedding lookup), gather (take_along_axis), scatter_add, topk, dynamic slices.

import { IRError } from '../ir/index.js';
import { axisOf } from './movement.js';
import { prim, Tensor } from './tensor.js';
import { typed } from './typed.js';

/** Selects entries along `axis` at `indices` (any shape; it replaces that axis). Indices must be in range. */
export const take = typed('take', {
  'Tensor, Tensor': (x: Tensor, i: Tensor): Tensor => take(x, i, 0),
  'Tensor, Tensor, number': (x: Tensor, i: Tensor, axis: number): Tensor => prim(x, 'take', [x, i], { axis: axisOf(x, axis, 'take') }),
});

/** torch.gather / numpy take_along_axis: out[..i..] = x[..indices[..i..]..] along `axis`. */
export const gather = typed('gather', {
  'Tensor, Tensor, number': (x: Tensor, i: Tensor, axis: number) => prim(x, 'gather', [x, i], { axis: axisOf(x, axis, 'gather') }),
});

/** torch.scatter_add: a copy of `x` with `src` added at `indices` along `axis` (in source element order). */
export const scatterAdd = typed('scatterAdd', {
  'Tensor, Tensor, Tensor, number': (x: Tensor, i: Tensor, src: Tensor, axis: number) =>
    prim(x, 'scatter_add', [x, i, src], { axis: axisOf(x, axis, 'scatterAdd') }),
});

/** Indices (i32) of the k largest values along `axis` (default last), largest first; ties keep the lower index. */
export const topk = typed('topk', {
  'Tensor, number': (x: Tensor, k: number): Tensor => topk(x, k, -1),
  'Tensor, number, number': (x: Tensor, k: number, axis: number): Tensor => {
    if (!Number.isInteger(k)) throw new TypeError(`topk: k must be an integer, got ${k}`);
    return prim(x, 'topk', [x], { k, axis: axisOf(x, axis, 'topk') });
  },
});

/** `size` entries along `axis` starting at a runtime i32 scalar (clamped so the window stays in range). */
export function dynamicSlice(x: Tensor, start: Tensor, axis: number, size: number): Tensor {
  if (!(start instanceof Tensor)) throw new IRError(`dynamicSlice: start must be an i32 scalar Tensor`);
  return prim(x, 'dynamic_slice', [x, start], { axis: axisOf(x, axis, 'dynamicSlice'), size });
}

/** A copy of `x` with `update` written along `axis` from a runtime i32 scalar start (clamped to stay in range). */
export function dynamicUpdateSlice(x: Tensor, update: Tensor, start: Tensor, axis: number): Tensor {
  return prim(x, 'dynamic_update_slice', [x, update, start], { axis: axisOf(x, axis, 'dynamicUpdateSlice') });
}
