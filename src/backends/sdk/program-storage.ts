// The host storage of a program's weights and constants, checked against the program: what every backend binds once
// per program, in place (host memory) or by uploading it (a GPU).

import type { BufferDesc } from '../../compiler/kernel.js';
import { isFloat, type StorageArray, type TensorData } from '../../ir/index.js';
import { encodeFloats } from '../../numerics/index.js';

/** The storage of weight buffer `b` given the store's tensor `t`, which must have the program's dtype and size. */
export function weightStorage(b: BufferDesc, t: TensorData | undefined): StorageArray {
  if (!t) throw new Error(`weight "${b.name}" is missing from the weight store`);
  if (t.dtype !== b.dtype || t.data.length !== b.size) throw new Error(`weight "${b.name}": expected ${b.dtype} with ${b.size} elements, the store has ${t.dtype}[${t.shape.join(',')}]`);
  return t.data;
}

/** The storage of constant buffer `b`: its values, which are representable in its dtype, encoded. */
export function constantStorage(b: BufferDesc): StorageArray {
  const values = b.values!;
  if (isFloat(b.dtype)) return encodeFloats(Float32Array.from(values), b.dtype, 'torch');
  return b.dtype === 'i32' ? Int32Array.from(values) : Uint8Array.from(values);
}
