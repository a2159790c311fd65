// Finding NaN and ±inf in tensors: a run whose outputs are not finite is an error rather than a result (argmax of
// NaN logits is 0), and quantize refuses weights that are not finite.

import { isFloat, type StorageArray, type TensorData } from '../../ir/index.js';
import { decodeToF32 } from '../../numerics/index.js';

type Tensor = { readonly dtype: TensorData['dtype']; readonly shape: readonly number[]; readonly data: StorageArray };

/** "NaN at [0, 2, 5]": the first element of a float tensor `test` picks; undefined when none does or it holds no floats. */
function firstElement(t: Tensor, test: (x: number) => boolean): string | undefined {
  if (!isFloat(t.dtype)) return undefined;
  const values = t.data instanceof Float32Array || t.data instanceof Float64Array ? t.data : decodeToF32(t.data, t.dtype);
  const i = values.findIndex(test);
  return i < 0 ? undefined : `${values[i]} at [${unravel(i, t.shape).join(', ')}]`;
}

/** The first NaN or ±inf of a float tensor ("NaN at [0, 2, 5]"); undefined when every value is finite. */
export const nonFiniteElement = (t: Tensor): string | undefined => firstElement(t, (x) => !Number.isFinite(x));

/** The first NaN of a float tensor ("NaN at [0, 2, 5]"); undefined when it holds none. */
export const nanElement = (t: Tensor): string | undefined => firstElement(t, Number.isNaN);

function unravel(index: number, shape: readonly number[]): number[] {
  const at = shape.map(() => 0);
  for (let d = shape.length - 1; d >= 0; d--) {
    at[d] = index % shape[d]!;
    index = Math.floor(index / shape[d]!);
  }
  return at;
}

/** A run's outputs that are not finite, each with its first bad element ("prefill.logits (NaN at [0, 0, 0])"). */
export function nonFiniteOutputs(outputs: Readonly<Record<string, TensorData>>): string[] {
  return Object.entries(outputs).flatMap(([name, t]) => {
    const bad = nonFiniteElement(t);
    return bad === undefined ? [] : [`${name} (${bad})`];
  });
}
