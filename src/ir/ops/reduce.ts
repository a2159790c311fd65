// Reductions over a set of axes, and the running-sum scan.

import { fail } from '../errors.js';
import { formatType, type TensorType } from '../graph.js';
import type { DType } from '../dtype.js';
import type { OpDef } from '../op.js';

const NUMBERS: readonly DType[] = ['f32', 'f16', 'bf16', 'i32'];

function checkNumeric(x: TensorType): void {
  if (!NUMBERS.includes(x.dtype)) fail(`dtype ${x.dtype} not supported; expected ${NUMBERS.join(', ')}`);
}

/** Axes must be canonical: non-negative, strictly increasing, in range (the ops layer resolves negative axes). */
export function checkAxes(axes: readonly number[], rank: number): void {
  if (axes.length === 0) fail('axes must not be empty');
  axes.forEach((a, i) => {
    if (a < 0 || a >= rank) fail(`axis ${a} out of range for rank ${rank}`);
    if (i > 0 && a <= axes[i - 1]!) fail(`axes ${JSON.stringify(axes)} must be strictly increasing`);
  });
}

function reduction(name: string): OpDef {
  return {
    name,
    family: 'reduce',
    operands: 1,
    attrs: { axes: { kind: 'ints' }, keepdims: { kind: 'bool' } },
    infer: ([x], attrs) => {
      checkNumeric(x!);
      const axes = attrs.axes as readonly number[];
      checkAxes(axes, x!.shape.length);
      const shape = attrs.keepdims
        ? x!.shape.map((d, i) => (axes.includes(i) ? 1 : d))
        : x!.shape.filter((_, i) => !axes.includes(i));
      return { dtype: x!.dtype, shape };
    },
  };
}

export const REDUCE_OPS: readonly OpDef[] = [
  reduction('reduce_sum'),
  reduction('reduce_max'),
  reduction('reduce_min'),
  {
    name: 'cumsum',
    family: 'scan',
    operands: 1,
    attrs: { axis: { kind: 'int' } },
    infer: ([x], attrs) => {
      checkNumeric(x!);
      const axis = attrs.axis as number;
      if (axis < 0 || axis >= x!.shape.length) fail(`axis ${axis} out of range for ${formatType(x!)}`);
      return x!;
    },
  },
];
