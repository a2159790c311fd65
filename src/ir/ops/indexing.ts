// Index ops: read or accumulate elements at positions given by an i32 index tensor.

import { fail } from '../errors.js';
import { formatType, type TensorType, type Value } from '../graph.js';
import type { OpDef, VjpRule } from '../op.js';
import { numel } from '../shape.js';
import { filled } from './vjp-building.js';

function checkIndex(x: TensorType, idx: TensorType, axis: number): void {
  if (idx.dtype !== 'i32') fail(`indices must be i32, got ${formatType(idx)}`);
  if (!Number.isInteger(axis) || axis < 0 || axis >= x.shape.length) fail(`axis ${axis} out of range for ${formatType(x)}`);
}

/** For gather and scatter_add: same rank, equal dimensions except along `axis`. */
function checkAlongAxis(x: TensorType, idx: TensorType, axis: number): void {
  if (idx.shape.length !== x.shape.length || idx.shape.some((d, i) => i !== axis && d !== x.shape[i]))
    fail(`indices ${formatType(idx)} must have the rank of ${formatType(x)} and equal dimensions except axis ${axis}`);
}

/**
 * take: each read element's cotangent is added back where it was read from. Viewed as [before, index, after], the
 * cotangent scatter-adds along the middle axis, every index spread over the before and after axes.
 */
const takeRule: VjpRule = (b, node, g) => {
  const [x, idx] = node.inputs as [Value, Value];
  const axis = node.attrs.axis as number;
  const [before, after] = [numel(x.shape.slice(0, axis)), numel(x.shape.slice(axis + 1))];
  const reads = numel(idx.shape);
  const shape = [before, reads, after];
  const where = b.op('broadcast', [b.op('reshape', [idx], { shape: [1, reads, 1] })], { shape });
  const zeros = filled(b, 0, { dtype: x.dtype, shape: [before, x.shape[axis]!, after] });
  const summed = b.op('scatter_add', [zeros, where, b.op('reshape', [g], { shape })], { axis: 1 });
  return [b.op('reshape', [summed], { shape: [...x.shape] }), null];
};

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
    vjp: takeRule,
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
    // Each gathered element's cotangent is added back where it was read from.
    vjp: (b, node, g) => {
      const [x, idx] = node.inputs as [Value, Value];
      return [b.op('scatter_add', [filled(b, 0, x.type), idx, g], { axis: node.attrs.axis! }), null];
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
    // x passes g through; each source element gets the cotangent of the element it was added to.
    vjp: (b, node, g) => [g, null, b.op('gather', [g, node.inputs[1]!], { axis: node.attrs.axis! })],
  },
];
