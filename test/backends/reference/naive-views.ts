// Naive movement semantics for the tests: a tensor is its shape plus a function from multi-index to storage bits,
// and every op is written from its definition in spec/ops.md.

import type { Shape, TensorData } from '../../../src/ir/index.js';
import { flatIndex, multiIndices, storageBitsOf } from './harness.js';

export interface NaiveTensor {
  readonly shape: Shape;
  readonly at: (idx: readonly number[]) => number;
}

export function naiveOf(t: TensorData): NaiveTensor {
  const bits = storageBitsOf(t);
  return { shape: t.shape, at: (idx) => bits[flatIndex(t.shape, idx)]! };
}

/** Storage bits in row-major order. */
export const materialize = (t: NaiveTensor): number[] => [...multiIndices(t.shape)].map(t.at);

function unflatten(shape: Shape, flat: number): number[] {
  const idx = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = flat % shape[a]!;
    flat = Math.floor(flat / shape[a]!);
  }
  return idx;
}

export const naiveReshape = (x: NaiveTensor, shape: Shape): NaiveTensor => ({ shape, at: (i) => x.at(unflatten(x.shape, flatIndex(shape, i))) });

export function naivePermute(x: NaiveTensor, perm: readonly number[]): NaiveTensor {
  return {
    shape: perm.map((p) => x.shape[p]!),
    at: (i) => {
      const j = new Array<number>(perm.length);
      perm.forEach((p, k) => (j[p] = i[k]!));
      return x.at(j);
    },
  };
}

export const naiveBroadcast = (x: NaiveTensor, shape: Shape): NaiveTensor => ({ shape, at: (i) => x.at(i.map((v, k) => (x.shape[k] === 1 ? 0 : v))) });

export const naiveSlice = (x: NaiveTensor, starts: readonly number[], ends: readonly number[], steps: readonly number[]): NaiveTensor => ({
  shape: x.shape.map((_, k) => Math.ceil((ends[k]! - starts[k]!) / steps[k]!)),
  at: (i) => x.at(i.map((v, k) => starts[k]! + v * steps[k]!)),
});
