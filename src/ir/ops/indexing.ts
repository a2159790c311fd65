// Index ops: read or accumulate elements at positions given by an i32 index tensor.

import { fail } from '../errors.js';
import { formatType, type TensorType } from '../graph.js';
import type { OpDef } from '../op.js';

function checkIndex(x: TensorType, idx: TensorType, axis: number): void {
  if (idx.dtype !== 'i32') fail(`indices must be i32, got ${formatType(idx)}`);
  if (!Number.isInteger(axis) || axis < 0 || axis >= x.shape.length) fail(`axis ${axis} out of range for ${formatType(x)}`);
}

/** For gather and scatter_add: same rank, equal dimensions except along `axis`. */
function checkAlongAxis(x: TensorType, idx: TensorType, axis: number): void {
  if (idx.shape.length !== x.shape.length || idx.shape.some((d, i) => i !== axis && d !== x.shape[i]))
    fail(`indices ${formatType(idx)} must have the rank of ${formatType(x)} and equal dimensions except axis ${axis}`);
}

export const INDEX_OPS: readonly OpDef[] = [
  {
    name: 'take',
    family: 'index',
    operands: 2,
    attrs: { axis: { kind: 'int' } },
    // A position to compute and check, then a read.
    cost: 2,
    infer: ([x, idx], attrs) => {
      const axis = attrs.axis as number;
      checkIndex(x!, idx!, axis);
      return { dtype: x!.dtype, shape: [...x!.shape.slice(0, axis), ...idx!.shape, ...x!.shape.slice(axis + 1)] };
    },
  },
  {
    name: 'gather',
    family: 'index',
    operands: 2,
    attrs: { axis: { kind: 'int' } },
    cost: 2,
    infer: ([x, idx], attrs) => {
      const axis = attrs.axis as number;
      checkIndex(x!, idx!, axis);
      checkAlongAxis(x!, idx!, axis);
      return { dtype: x!.dtype, shape: idx!.shape };
    },
  },
  {
    name: 'scatter_add',
    family: 'index',
    operands: 3,
    attrs: { axis: { kind: 'int' } },
    infer: ([x, idx, src], attrs) => {
      const axis = attrs.axis as number;
      checkIndex(x!, idx!, axis);
      checkAlongAxis(x!, idx!, axis);
      if (src!.dtype !== x!.dtype || src!.shape.length !== idx!.shape.length || src!.shape.some((d, i) => d !== idx!.shape[i]))
        fail(`source ${formatType(src!)} must have the dtype of ${formatType(x!)} and the shape of the indices ${formatType(idx!)}`);
      if (!['f32', 'f16', 'bf16', 'i32'].includes(x!.dtype)) fail(`dtype ${x!.dtype} not supported; expected f32, f16, bf16 or i32`);
      return x!;
    },
  },
];
