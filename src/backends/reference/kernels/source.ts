// Source ops: constants (full, literal), index ramps (iota) and weights from the run's store.

import { formatType, isFloat, sameShape, type DType, type Shape, type WeightStore } from '../../../ir/index.js';
import { f32ToBf16, f32ToF16, f32ToFp8, roundToDType } from '../../../numerics/index.js';
import { f32Bits } from '../../../numerics/f32-bits.js';
import { allocate, fromTensorData, i32Storage, storageBits, type CpuTensor } from '../tensor.js';
import { cast } from './cast.js';

/** The raw storage element (bits) of `value` in `dtype`; `value` must be exactly representable there. */
export function encodeScalar(value: number, dtype: DType, what: string): number {
  const rounded = roundToDType(isFloat(dtype) ? Math.fround(value) : value, dtype, 'torch');
  if (!(Object.is(rounded, value) || (rounded !== rounded && value !== value)))
    throw new RangeError(`${what}: ${value} is not exactly representable in ${dtype} (nearest: ${rounded})`);
  switch (dtype) {
    case 'f32':
      return f32Bits(value);
    case 'f16':
      return f32ToF16(value);
    case 'bf16':
      return f32ToBf16(value);
    case 'f8e4m3fn':
    case 'f8e5m2':
      return f32ToFp8(value, dtype, 'torch');
    default:
      return value;
  }
}

export function full(dtype: DType, shape: Shape, value: number): CpuTensor {
  const out = allocate(dtype, shape);
  storageBits(out.data).fill(encodeScalar(value, dtype, 'full'));
  return out;
}

export function literal(dtype: DType, shape: Shape, values: readonly number[]): CpuTensor {
  const out = allocate(dtype, shape);
  if (values.length !== out.data.length) throw new RangeError(`literal: ${values.length} values for shape [${shape}] (${out.data.length} elements)`);
  const bits = storageBits(out.data);
  values.forEach((v, i) => (bits[i] = encodeScalar(v, dtype, `literal value ${i}`)));
  return out;
}

/** Each element's index along `axis`, computed in i32 and cast (so large indices round once in narrow floats). */
export function iota(dtype: DType, shape: Shape, axis: number): CpuTensor {
  const ramp = allocate('i32', shape);
  const data = i32Storage(ramp, 'iota');
  const inner = ramp.strides[axis]!;
  const dim = shape[axis]!;
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(i / inner) % dim;
  return dtype === 'i32' ? ramp : cast(ramp, dtype);
}

export function weight(store: WeightStore | undefined, name: string, dtype: DType, shape: Shape): CpuTensor {
  if (store === undefined) throw new Error(`weight "${name}": the graph reads weights but no weight store was given`);
  const t = store.get(name);
  if (t.dtype !== dtype || !sameShape(t.shape, shape))
    throw new TypeError(`weight "${name}": the store holds ${formatType(t)}, the graph expects ${formatType({ dtype, shape })}`);
  return fromTensorData(t, `weight "${name}"`);
}
