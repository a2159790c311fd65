// take, gather and scatter_add. Each sees x as [P, D, Q] around the indexed axis (P: axes before it, Q: after);
// elements move as raw bits, and scatter_add rounds each addition as `add` does, in source row-major order.

import { numel } from '../../../ir/index.js';
import { scalarFunction } from '../elementwise.js';
import { allocate, contiguous, copyTensor, i32Storage, storageBits, type CpuTensor } from '../tensor.js';
import { checkIndices, indexOutOfRange } from './index-bounds.js';

/** x as [P, D, Q] around `axis`. */
function around(x: CpuTensor, axis: number): [number, number, number] {
  return [numel(x.shape.slice(0, axis)), x.shape[axis]!, numel(x.shape.slice(axis + 1))];
}

const axisText = (x: CpuTensor, axis: number) => `axis ${axis} of ${x.dtype}[${x.shape.join(',')}]`;

/** out[p, j, q] = x[p, idx[j], q], with idx of any shape replacing the axis. */
export function take(x: CpuTensor, indices: CpuTensor, axis: number): CpuTensor {
  const idx = contiguous(indices);
  const ids = i32Storage(idx, 'take');
  const [P, D, Q] = around(x, axis);
  checkIndices('take', 'index', ids, idx.offset, idx.shape, D, axisText(x, axis));
  const J = numel(idx.shape);
  const src = contiguous(x);
  const out = allocate(x.dtype, [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)]);
  const from = storageBits(src.data);
  const to = storageBits(out.data);
  for (let p = 0; p < P; p++) {
    for (let j = 0; j < J; j++) {
      const start = src.offset + (p * D + ids[idx.offset + j]!) * Q;
      to.set(from.subarray(start, start + Q), (p * J + j) * Q);
    }
  }
  return out;
}

/** The [P, J, Q] loop shared by gather and scatter_add: calls `visit(flatIndexPosition, sourcePosition)`. */
function forEachAlongAxis(
  op: string,
  x: CpuTensor,
  idx: CpuTensor,
  axis: number,
  visit: (indexed: number, position: number) => void,
): void {
  const ids = i32Storage(idx, op);
  const [P, D, Q] = around(x, axis);
  const J = idx.shape[axis]!;
  for (let p = 0, at = 0; p < P; p++) {
    for (let j = 0; j < J; j++) {
      for (let q = 0; q < Q; q++, at++) {
        const i = ids[idx.offset + at]!;
        if (i < 0 || i >= D) throw indexOutOfRange(op, 'index', i, at, idx.shape, D, axisText(x, axis));
        visit((p * D + i) * Q + q, at);
      }
    }
  }
}

/** out[p] = x[p with p[axis] := idx[p]] (torch.gather). */
export function gather(x: CpuTensor, indices: CpuTensor, axis: number): CpuTensor {
  const src = contiguous(x);
  const from = storageBits(src.data);
  const out = allocate(x.dtype, indices.shape);
  const to = storageBits(out.data);
  forEachAlongAxis('gather', x, contiguous(indices), axis, (indexed, position) => {
    to[position] = from[src.offset + indexed]!;
  });
  return out;
}

/** A copy of x with src[p] added at p with p[axis] := idx[p], for every p in row-major order. */
export function scatterAdd(x: CpuTensor, indices: CpuTensor, source: CpuTensor, axis: number): CpuTensor {
  const out = copyTensor(x);
  const src = contiguous(source);
  const add = scalarFunction('add', x.dtype);
  const acc = out.data;
  const from = src.data;
  forEachAlongAxis('scatter_add', x, contiguous(indices), axis, (indexed, position) => {
    acc[indexed] = add(acc[indexed]!, from[src.offset + position]!);
  });
  return out;
}
