// A CPU tensor is a strided view onto storage: element (i0, ..., in) is data[offset + Σ ik·strides[k]].
// Reshape (when strides allow), permute, broadcast (stride 0) and slice only make new views; kernels never
// write into an operand, so views may share storage freely. `contiguous` copies only when it must.

import { allocStorage, contiguousStrides, numel, tensorData, type DType, type Shape, type StorageArray, type TensorData } from '../../ir/index.js';
import { copyInto } from './elementwise.js';

export interface CpuTensor {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
  readonly data: StorageArray;
}

/** A fresh, zeroed, row-major tensor. */
export function allocate(dtype: DType, shape: Shape): CpuTensor {
  return { dtype, shape: [...shape], strides: contiguousStrides(shape), offset: 0, data: allocStorage(dtype, numel(shape)) };
}

/** A view of `t`'s data (no copy); `tensorData` checks the storage type and length. */
export function fromTensorData(t: TensorData, what = 'tensor'): CpuTensor {
  const checked = tensorData(t.dtype, t.shape, t.data, what);
  return { dtype: checked.dtype, shape: checked.shape, strides: contiguousStrides(checked.shape), offset: 0, data: checked.data };
}

/** Row-major order over the elements (size-1 axes may have any stride). */
export function isContiguous(t: CpuTensor): boolean {
  let expected = 1;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    if (t.shape[i] === 0) return true;
    if (t.shape[i] !== 1 && t.strides[i] !== expected) return false;
    expected *= t.shape[i]!;
  }
  return true;
}

/** Contiguous and covering the whole of its storage, so `data` is exactly the tensor's row-major elements. */
export const isDense = (t: CpuTensor): boolean => isContiguous(t) && t.offset === 0 && t.data.length === numel(t.shape);

/** A row-major copy of `t` in fresh storage. */
export function copyTensor(t: CpuTensor): CpuTensor {
  const out = allocate(t.dtype, t.shape);
  copyInto(out, t);
  return out;
}

/** `t` itself when already row-major, else a row-major copy. */
export const contiguous = (t: CpuTensor): CpuTensor => (isContiguous(t) ? t : copyTensor(t));

/** The dense host form of `t`; shares `t`'s storage when it is already dense. */
export function toTensorData(t: CpuTensor): TensorData {
  const dense = isDense(t) ? t : copyTensor(t);
  return { dtype: dense.dtype, shape: [...dense.shape], data: dense.data };
}

/** The storage as raw bits (f32 through an Int32Array over the same memory), so copies keep NaN payloads. */
export function storageBits(data: StorageArray): Exclude<StorageArray, Float32Array> {
  return data instanceof Float32Array ? new Int32Array(data.buffer, data.byteOffset, data.length) : data;
}

/** The Float32Array of an f32 tensor. */
export function f32Storage(t: CpuTensor, what: string): Float32Array {
  if (!(t.data instanceof Float32Array)) throw new TypeError(`${what}: expected f32 storage, got ${t.dtype} (${t.data.constructor.name})`);
  return t.data;
}

/** The Int32Array of an i32 tensor. */
export function i32Storage(t: CpuTensor, what: string): Int32Array {
  if (!(t.data instanceof Int32Array)) throw new TypeError(`${what}: expected i32 storage, got ${t.dtype} (${t.data.constructor.name})`);
  return t.data;
}

const view = (t: CpuTensor, shape: Shape, strides: readonly number[], offset = t.offset): CpuTensor => ({ dtype: t.dtype, shape, strides, offset, data: t.data });

/**
 * Strides giving `shape` the same row-major element order as `t`, or undefined when no view can (then a copy is
 * needed). Each run of input axes whose product matches a run of output axes must be contiguous within itself.
 */
function reshapeStrides(t: CpuTensor, shape: Shape): number[] | undefined {
  if (numel(shape) === 0) return contiguousStrides(shape);
  const oldAxes = t.shape.map((_, i) => i).filter((i) => t.shape[i] !== 1);
  const strides = new Array<number>(shape.length);
  let o = 0;
  let n = 0;
  while (n < shape.length) {
    if (shape[n] === 1) {
      strides[n++] = 0;
      continue;
    }
    // The smallest group of old axes [o, oEnd) and new axes [n, nEnd) with equal products.
    let oEnd = o + 1;
    let nEnd = n + 1;
    let oldSize = t.shape[oldAxes[o]!]!;
    let newSize = shape[n]!;
    while (oldSize !== newSize) {
      if (oldSize < newSize) oldSize *= t.shape[oldAxes[oEnd++]!]!;
      else newSize *= shape[nEnd++]!;
    }
    for (let k = o; k < oEnd - 1; k++) {
      const [a, b] = [oldAxes[k]!, oldAxes[k + 1]!];
      if (t.strides[a] !== t.strides[b]! * t.shape[b]!) return undefined;
    }
    let stride = t.strides[oldAxes[oEnd - 1]!]!;
    for (let k = nEnd - 1; k >= n; k--) {
      strides[k] = stride;
      stride *= shape[k]!;
    }
    o = oEnd;
    n = nEnd;
  }
  return strides;
}

/** Same elements in row-major order under a new shape: a view when strides allow, else a copy. */
export function reshapeView(t: CpuTensor, shape: Shape): CpuTensor {
  if (numel(shape) !== numel(t.shape)) throw new RangeError(`reshape: cannot view [${t.shape}] (${numel(t.shape)} elements) as [${shape}]`);
  const strides = reshapeStrides(t, shape);
  if (strides) return view(t, [...shape], strides);
  const dense = copyTensor(t);
  return view(dense, [...shape], contiguousStrides(shape));
}

/** Output axis j is input axis perm[j]. */
export function permuteView(t: CpuTensor, perm: readonly number[]): CpuTensor {
  return view(t, perm.map((p) => t.shape[p]!), perm.map((p) => t.strides[p]!));
}

/** Size-1 axes repeat to the target size (stride 0). */
export function broadcastView(t: CpuTensor, shape: Shape): CpuTensor {
  return view(t, [...shape], shape.map((d, i) => (t.shape[i] === d ? t.strides[i]! : 0)));
}

/** out[i] = t[start + i·step] on every axis. */
export function sliceView(t: CpuTensor, starts: readonly number[], ends: readonly number[], steps: readonly number[]): CpuTensor {
  const shape = t.shape.map((_, i) => Math.max(0, Math.ceil((ends[i]! - starts[i]!) / steps[i]!)));
  const offset = t.offset + starts.reduce((s, start, i) => s + start * t.strides[i]!, 0);
  return view(t, shape, t.strides.map((s, i) => s * steps[i]!), offset);
}

/** `size` entries along `axis` from `start` (a slice of one axis). */
export function narrowView(t: CpuTensor, axis: number, start: number, size: number): CpuTensor {
  return view(
    t,
    t.shape.map((d, i) => (i === axis ? size : d)),
    t.strides,
    t.offset + start * t.strides[axis]!,
  );
}
