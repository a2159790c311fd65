// Movement that needs new storage (concat, pad, dynamic_update_slice) writes operands into views of a fresh
// tensor; dynamic_slice is a view. Elements move as raw bits. The pure views live in tensor.ts.

import { copyInto } from '../elementwise.js';
import { allocate, copyTensor, i32Storage, narrowView, sliceView, storageBits, type CpuTensor } from '../tensor.js';
import { encodeScalar } from './source.js';

export function concat(xs: readonly CpuTensor[], axis: number): CpuTensor {
  const first = xs[0]!;
  const size = xs.reduce((s, x) => s + x.shape[axis]!, 0);
  const out = allocate(first.dtype, first.shape.map((d, i) => (i === axis ? size : d)));
  let start = 0;
  for (const x of xs) {
    copyInto(narrowView(out, axis, start, x.shape[axis]!), x);
    start += x.shape[axis]!;
  }
  return out;
}

export function pad(x: CpuTensor, lo: readonly number[], hi: readonly number[], value: number): CpuTensor {
  const shape = x.shape.map((d, i) => lo[i]! + d + hi[i]!);
  const out = allocate(x.dtype, shape);
  storageBits(out.data).fill(encodeScalar(value, x.dtype, 'pad'));
  copyInto(
    sliceView(out, lo, x.shape.map((d, i) => lo[i]! + d), shape.map(() => 1)),
    x,
  );
  return out;
}

/** The runtime start, clamped so that `size` entries along the axis stay in range. */
function clampedStart(start: CpuTensor, dim: number, size: number, op: string): number {
  const s = i32Storage(start, op)[start.offset]!;
  return Math.min(Math.max(s, 0), dim - size);
}

export function dynamicSlice(x: CpuTensor, start: CpuTensor, axis: number, size: number): CpuTensor {
  return narrowView(x, axis, clampedStart(start, x.shape[axis]!, size, 'dynamic_slice'), size);
}

export function dynamicUpdateSlice(x: CpuTensor, update: CpuTensor, start: CpuTensor, axis: number): CpuTensor {
  const out = copyTensor(x);
  const size = update.shape[axis]!;
  copyInto(narrowView(out, axis, clampedStart(start, x.shape[axis]!, size, 'dynamic_update_slice'), size), update);
  return out;
}
