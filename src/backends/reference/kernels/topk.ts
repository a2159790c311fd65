// topk: per row along the axis, the indices sorted by value descending (NaN above +inf, +0 equal to -0) with
// ties broken by the lower index, then the first k. A full O(D log D) sort per row keeps it simple and exact.

import { i32Storage, type CpuTensor } from '../tensor.js';
import { cast } from './cast.js';
import { rowResult, rowsAlong } from './rows.js';

export function topk(x: CpuTensor, k: number, axis: number): CpuTensor {
  // Values as f32 or i32 numbers; decoding f16/bf16 is exact, so the order is unchanged.
  const values = x.dtype === 'f16' || x.dtype === 'bf16' ? cast(x, 'f32') : x;
  const rows = rowsAlong(values, [axis]);
  const { out, result } = rowResult(x, rows, axis, 'i32', k);
  const outIds = i32Storage(out, 'topk');
  const v = rows.tensor.data;
  const order = new Int32Array(rows.length);
  let base = rows.tensor.offset;
  const before = (i: number, j: number): number => {
    const a = v[base + i]!;
    const b = v[base + j]!;
    if (a !== b) {
      if (a !== a) {
        if (b === b) return -1;
      } else if (b !== b || a < b) return 1;
      else return -1;
    }
    return i - j;
  };
  for (let r = 0; r < rows.count; r++, base += rows.length) {
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort(before);
    outIds.set(order.subarray(0, k), r * k);
  }
  return result;
}
