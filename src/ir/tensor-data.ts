// TensorData: a dense, row-major tensor on the host — what graphs take as inputs and give back as outputs,
// whatever backend ran them. Narrow floats hold their raw bits (see dtype.ts).

import { allocStorage, byteSize, type DType, type StorageArray } from './dtype.js';
import { formatShape, isValidShape, numel, type Shape } from './shape.js';

export interface TensorData {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly data: StorageArray;
}

const STORAGE_NAME: Record<DType, string> = {
  f32: 'Float32Array',
  f16: 'Uint16Array',
  bf16: 'Uint16Array',
  f8e4m3fn: 'Uint8Array',
  f8e5m2: 'Uint8Array',
  i32: 'Int32Array',
  u8: 'Uint8Array',
  bool: 'Uint8Array',
};

/** Checks that `data` is the right typed array and length for `dtype` and `shape`. */
export function tensorData(dtype: DType, shape: Shape, data: StorageArray, what = 'tensor'): TensorData {
  if (!isValidShape(shape)) throw new TypeError(`${what}: invalid shape ${JSON.stringify(shape)}`);
  if (data.constructor.name !== STORAGE_NAME[dtype] || data.BYTES_PER_ELEMENT !== byteSize(dtype))
    throw new TypeError(`${what}: ${dtype} data must be a ${STORAGE_NAME[dtype]}, got ${data.constructor.name}`);
  if (data.length !== numel(shape)) throw new RangeError(`${what}: shape ${formatShape(shape)} needs ${numel(shape)} elements, got ${data.length}`);
  return { dtype, shape: [...shape], data };
}

export const zeros = (dtype: DType, shape: Shape): TensorData => ({ dtype, shape: [...shape], data: allocStorage(dtype, numel(shape)) });

/**
 * A weight whose slices along axis 0 are loaded one at a time, the first time a kernel asks for them (MoE experts
 * that no token selects are never read). `tensor` has the whole weight's storage; a slice not yet loaded holds zeros.
 */
export interface SlicedWeight {
  readonly tensor: TensorData;
  /** Fills slice `index` of `tensor` (at most once; later calls return at once). */
  load(index: number): void;
}

/** Where `weight` nodes get their tensors. Implementations may load lazily. */
export interface WeightStore {
  get(name: string): TensorData;
  /**
   * `name` as a SlicedWeight, when the store can load it slice by slice: for kernels that read only some slices
   * and load each before reading it. Everything else uses `get`, which returns the weight whole.
   */
  sliced?(name: string): SlicedWeight | undefined;
}

/** A weight store over an in-memory map. */
export function weightMap(entries: Readonly<Record<string, TensorData>>): WeightStore {
  return {
    get(name) {
      const t = entries[name];
      if (!t) throw new Error(`weight "${name}" not found; the store has ${Object.keys(entries).length} weights`);
      return t;
    },
  };
}
