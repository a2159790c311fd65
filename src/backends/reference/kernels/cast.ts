// cast: every element converted per spec/ops.md (rounding, saturation, NaN), via the scalar cast templates.

import { isFp8, type DType } from '../../../ir/index.js';
import type { Fp8CastMode } from '../../../numerics/index.js';
import { castKernel, mapElements } from '../elementwise.js';
import type { CpuTensor } from '../tensor.js';

export function cast(x: CpuTensor, dtype: DType, mode?: Fp8CastMode): CpuTensor {
  if (isFp8(dtype) !== (mode !== undefined)) throw new TypeError(`cast ${x.dtype} -> ${dtype}: a cast mode is required exactly for fp8 targets, got ${mode ?? 'none'}`);
  // A cast to the operand's own dtype is the identity, bits (NaN payloads) included; fp8 casts apply their mode.
  if (dtype === x.dtype && mode === undefined) return x;
  return mapElements(castKernel(x.dtype, dtype, mode), [x]);
}
