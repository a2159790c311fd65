// Reductions and scans run over rows: the axes they work along are permuted to the end (a view) and the tensor is
// made row-major, so each output comes from one contiguous run of `length` elements.

import { numel } from '../../../ir/index.js';
import { allocate, contiguous, permuteView, type CpuTensor } from '../tensor.js';

export interface Rows {
  /** Row-major, with the row axes last. */
  readonly tensor: CpuTensor;
  /** How many rows, and how many elements each. */
  readonly count: number;
  readonly length: number;
  /** The axes not worked along, in order. */
  readonly kept: readonly number[];
  /** The axes worked along, as given. */
  readonly axes: readonly number[];
}

export function rowsAlong(x: CpuTensor, axes: readonly number[]): Rows {
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const tensor = contiguous(permuteView(x, [...kept, ...axes]));
  const length = numel(axes.map((a) => x.shape[a]!));
  return { tensor, count: numel(kept.map((a) => x.shape[a]!)), length, kept, axes };
}

/**
 * A fresh row-major result for a row kernel that writes `width` elements per row (a scan: the row length, topk: k),
 * and the view of it with the worked axis back in its place.
 */
export function rowResult(x: CpuTensor, rows: Rows, dtype: CpuTensor['dtype'], width: number): { out: CpuTensor; result: CpuTensor } {
  const [axis] = rows.axes;
  if (rows.axes.length !== 1 || axis === undefined) throw new Error(`rowResult: expected a single axis, got [${rows.axes}]`);
  const order = [...rows.kept, axis];
  const out = allocate(dtype, [...rows.kept.map((a) => x.shape[a]!), width]);
  return { out, result: permuteView(out, order.map((_, i) => order.indexOf(i))) };
}
