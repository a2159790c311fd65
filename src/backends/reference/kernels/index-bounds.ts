// Index range checks shared by the indexing kernels and gather_matmul: an index outside [0, bound) fails the run
// with the op, the index value, its position in the index tensor and the bound.

import type { Shape } from '../../../ir/index.js';

/** The multi-index of row-major position `flat` in `shape`. */
export function positionOf(flat: number, shape: Shape): number[] {
  const pos = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    pos[i] = flat % shape[i]!;
    flat = Math.floor(flat / shape[i]!);
  }
  return pos;
}

export function indexOutOfRange(op: string, what: string, value: number, flat: number, shape: Shape, bound: number, axisText: string): RangeError {
  return new RangeError(
    `${op}: ${what} ${value} at position [${positionOf(flat, shape).join(', ')}] is out of range for ${axisText} of size ${bound} (expected 0 <= index < ${bound})`,
  );
}

/** Checks every element of the row-major `indices` (of `shape`) against [0, bound). */
export function checkIndices(op: string, what: string, indices: Int32Array, offset: number, shape: Shape, bound: number, axisText: string): void {
  const n = shape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) {
    const v = indices[offset + i]!;
    if (v < 0 || v >= bound) throw indexOutOfRange(op, what, v, i, shape, bound, axisText);
  }
}
