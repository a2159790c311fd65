// Comparing tensors bit for bit: equal storage bits, except that any two NaNs match (arithmetic does not
// define NaN payloads or signs; casts and moves, which do, are tested on their own).

import { decodeToF32 } from '../../src/numerics/index.js';
import { isFloat, type TensorData } from '../../src/ir/index.js';

/** A description of the first mismatch, or undefined when `a` and `b` agree bit for bit. */
export function bitMismatch(a: TensorData, b: TensorData): string | undefined {
  if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) return `type ${a.dtype}[${a.shape}] vs ${b.dtype}[${b.shape}]`;
  const [x, y] = isFloat(a.dtype) ? [decodeToF32(a.data, a.dtype), decodeToF32(b.data, b.dtype)] : [a.data, b.data];
  const xb = x instanceof Float32Array ? new Uint32Array(x.buffer, x.byteOffset, x.length) : x;
  const yb = y instanceof Float32Array ? new Uint32Array(y.buffer, y.byteOffset, y.length) : y;
  for (let i = 0; i < x.length; i++) {
    if (xb[i] === yb[i]) continue;
    if (Number.isNaN(x[i]) && Number.isNaN(y[i])) continue;
    return `element ${i}: ${x[i]} vs ${y[i]}`;
  }
  return undefined;
}
