// cast: converts between any two dtypes. Converting to fp8 needs an explicit overflow mode.

import { isFp8, type DType } from '../dtype.js';
import { fail } from '../errors.js';
import type { OpDef } from '../op.js';

export const FP8_CAST_MODES = ['saturate', 'torch'] as const;

export const CAST_OPS: readonly OpDef[] = [
  {
    name: 'cast',
    family: 'cast',
    operands: 1,
    attrs: { dtype: { kind: 'dtype' }, mode: { kind: 'enum', values: FP8_CAST_MODES, optional: true } },
    infer: ([x], attrs) => {
      const dtype = attrs.dtype as DType;
      if (isFp8(dtype) && attrs.mode === undefined) fail(`casting to ${dtype} needs mode "saturate" or "torch"`);
      if (!isFp8(dtype) && attrs.mode !== undefined) fail(`mode applies only to casts to fp8, not to ${dtype}`);
      return { dtype, shape: x!.shape };
    },
  },
];
