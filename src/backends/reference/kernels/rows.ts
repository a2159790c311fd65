// Reductions and scans run over rows: the axes they work along are permuted to the end (a view) and the tensor is
// made row-major, so each output comes from one contiguous run of `length` elements.

import { numel, type DType } from '../../../ir/index.js';
import { allocate, contiguous, permuteView, type CpuTensor } from '../tensor.js';

export interface Rows {
  /** Row-major, with the row axes last. */
  readonly tensor: CpuTensor;
  /** How many rows, and how many elements each. */
  readonly count: number;
  readonly length: number;
  /** The axes not worked along, in order. */
  readonly kept: readonly number[];
}

export function rowsAlong(x: CpuTensor, axes: readonly number[]): Rows {
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const tensor = contiguous(permuteView(x, [...kept, ...axes]));
  const length = numel(axes.map((a) => x.shape[a]!));
  return { tensor, count: numel(kept.map((a) => x.shape[a]!)), length, kept };
}

/**
 * A fresh row-major result for a kernel that writes `width` elements per row along one `axis` (a scan: the axis
 * length, topk: k), and the view of it that puts that axis back in its place.
 */
export function rowResult(x: CpuTensor, rows: Rows, axis: number, dtype: DType, width: number): { out: CpuTensor; result: CpuTensor } {
  const order = [...rows.kept, axis];
  const out = allocate(dtype, [...rows.kept.map((a) => x.shape[a]!), width]);
  return { out, result: permuteView(out, order.map((_, i) => order.indexOf(i))) };
}
