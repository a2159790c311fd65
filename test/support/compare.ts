// Comparing tensors bit for bit: equal storage bits, except that any two NaNs match (arithmetic does not
// define NaN payloads or signs; casts and moves, which do, are tested on their own); or equal storage codes, NaN
// payloads included, where a value must be reproduced exactly (the same program run twice, an input left alone).

import { decodeToF32 } from '../../src/numerics/index.js';
import { isFloat, type TensorData } from '../../src/ir/index.js';

const typeMismatch = (a: TensorData, b: TensorData): string | undefined =>
  a.dtype !== b.dtype || a.shape.join() !== b.shape.join() ? `type ${a.dtype}[${a.shape}] vs ${b.dtype}[${b.shape}]` : undefined;

/** Storage codes: f32 data through its bit pattern, every other dtype as stored. */
const codes = (d: ArrayLike<number>): ArrayLike<number> => (d instanceof Float32Array ? new Uint32Array(d.buffer, d.byteOffset, d.length) : d);

/** A description of the first mismatch, or undefined when `a` and `b` agree bit for bit. */
export function bitMismatch(a: TensorData, b: TensorData): string | undefined {
  const type = typeMismatch(a, b);
  if (type) return type;
  const [x, y] = isFloat(a.dtype) ? [decodeToF32(a.data, a.dtype), decodeToF32(b.data, b.dtype)] : [a.data, b.data];
  const [xb, yb] = [codes(x), codes(y)];
  for (let i = 0; i < x.length; i++) {
    if (xb[i] === yb[i]) continue;
    if (Number.isNaN(x[i]) && Number.isNaN(y[i])) continue;
    return `element ${i}: ${x[i]} vs ${y[i]}`;
  }
  return undefined;
}

/** A description of the first element whose storage codes differ (NaN payloads included), or undefined. */
export function codeMismatch(a: TensorData, b: TensorData): string | undefined {
  const type = typeMismatch(a, b);
  if (type) return type;
  const [x, y] = [codes(a.data), codes(b.data)];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return `element ${i}: code 0x${x[i]!.toString(16)} vs 0x${y[i]!.toString(16)}`;
  return undefined;
}
