// topk: indices of the k largest elements along an axis, in descending order of value.

import { fail } from '../errors.js';
import { formatType } from '../graph.js';
import type { OpDef } from '../op.js';
import { noGradient } from './vjp-building.js';

export const SORT_OPS: readonly OpDef[] = [
  {
    name: 'topk',
    family: 'sort',
    operands: 1,
    attrs: { k: { kind: 'int' }, axis: { kind: 'int' } },
    infer: ([x], attrs) => {
      const axis = attrs.axis as number;
      const k = attrs.k as number;
      if (!['f32', 'f16', 'bf16', 'i32'].includes(x!.dtype)) fail(`dtype ${x!.dtype} not supported; expected f32, f16, bf16 or i32`);
      if (axis < 0 || axis >= x!.shape.length) fail(`axis ${axis} out of range for ${formatType(x!)}`);
      if (k < 0 || k > x!.shape[axis]!) fail(`k = ${k} out of range: axis ${axis} of ${formatType(x!)} has ${x!.shape[axis]} elements`);
      return { dtype: 'i32', shape: x!.shape.map((d, i) => (i === axis ? k : d)) };
    },
    // The result is indices; the values they pick (a take or gather) carry the gradient.
    vjp: noGradient,
  },
];
