// cast: converts between any two dtypes. Converting to fp8 needs an explicit overflow mode.

import { isFloat, isFp8, type DType } from '../dtype.js';
import { fail } from '../errors.js';
import type { OpDef } from '../op.js';
import { roundToDType, roundToOddF32, type Fp8CastMode } from '../../numerics/index.js';
import { isDifferentiable } from './vjp-building.js';

export const FP8_CAST_MODES = ['saturate', 'torch'] as const;

/** cast, with what it computes on one element. */
export interface CastDef extends OpDef {
  /** Element `x` of dtype `from` (as spec/ops.md carries each dtype) converted to `to`, exactly as spec/ops.md defines it. */
  readonly evaluate: (x: number, from: DType, to: DType, mode?: Fp8CastMode) => number;
}

export const CAST: CastDef = {
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
  evaluate: (x, from, to, mode) => {
    if (to === 'bool') return Number(x !== 0);
    // An integer reaches a narrow float with one rounding (round-to-odd keeps the f32 step from rounding first).
    if (isFloat(to)) return roundToDType(isFloat(from) ? x : to === 'f32' ? Math.fround(x) : roundToOddF32(x), to, mode);
    if (!isFloat(from)) return to === 'u8' ? x & 0xff : x;
    return roundToDType(x, to);
  },
  // Between differentiable floats the cotangent is cast back (rounding has derivative 1 as far as gradients go);
  // from an integer, bool or fp8 operand nothing flows.
  vjp: (b, node, g) => {
    const from = node.inputs[0]!.dtype;
    return [isDifferentiable(from) ? b.op('cast', [g], { dtype: from }) : null];
  },
};

export const CAST_OPS: readonly OpDef[] = [CAST];
