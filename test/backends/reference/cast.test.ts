// cast between every pair of dtypes (both fp8 modes) against a naive definition: exact source values rounded once
// through the independent grid oracle, integer truncation and saturation written out, NaN signs checked.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DTYPES, isFp8, type DType, type TensorData } from '../../../src/ir/index.js';
import type { Fp8CastMode } from '../../../src/numerics/index.js';
import { bitPatternOf as f32Bits, GRIDS, roundedBits, runOp, storageBitsOf, tensorOf, tensorsArb, valueAt } from './harness.js';

const SIGN: Partial<Record<DType, number>> = { f32: 0x80000000, f16: 0x8000, bf16: 0x8000, f8e4m3fn: 0x80, f8e5m2: 0x80 };
const CANONICAL_NAN: Partial<Record<DType, number>> = { f16: 0x7e00, bf16: 0x7fc0, f8e4m3fn: 0x7f, f8e5m2: 0x7f };
const MAX_CODE: Partial<Record<DType, number>> = { f8e4m3fn: 0x7e, f8e5m2: 0x7b };

type Expected = { kind: 'bits'; bits: number } | { kind: 'nan'; negative: boolean };

const truncClamp = (v: number, lo: number, hi: number): number => (v !== v ? 0 : v <= lo ? lo : v >= hi ? hi : Math.trunc(v) + 0);

/** The expected storage element of `cast(x, to, mode)` for a source element with value `v` and storage bits `bits`. */
function naiveCast(v: number, bits: number, from: DType, to: DType, mode: Fp8CastMode | undefined): Expected {
  if (to === 'bool') return { kind: 'bits', bits: v !== 0 ? 1 : 0 };
  if (to === 'i32') return { kind: 'bits', bits: truncClamp(v, -(2 ** 31), 2 ** 31 - 1) };
  if (to === 'u8') return { kind: 'bits', bits: from === 'i32' ? ((v % 256) + 256) % 256 : truncClamp(v, 0, 255) };
  const sign = v < 0 || Object.is(v, -0) || (v !== v && (bits & SIGN[from]!) !== 0) ? SIGN[to]! : 0;
  if (v !== v) return to === 'f32' ? { kind: 'nan', negative: sign !== 0 } : { kind: 'bits', bits: sign | CANONICAL_NAN[to]! };
  if (to === 'f32') return { kind: 'bits', bits: (f32Bits(Math.fround(Math.abs(v))) | sign) >>> 0 };
  const grid = to as keyof typeof GRIDS;
  const code = Number.isFinite(v) ? roundedBits(Math.abs(v), grid) : GRIDS[grid].beyondCode;
  if (!isFp8(to)) return { kind: 'bits', bits: sign | code };
  const overflow = mode === 'saturate' ? MAX_CODE[to]! : GRIDS[grid].beyondCode;
  return { kind: 'bits', bits: sign | Math.min(code, overflow) };
}

function checkCast(x: TensorData, to: DType, mode: Fp8CastMode | undefined): void {
  const got = storageBitsOf(runOp('cast', [x], mode ? { dtype: to, mode } : { dtype: to }));
  const srcBits = storageBitsOf(x);
  const bad: string[] = [];
  for (let i = 0; i < got.length && bad.length < 5; i++) {
    const want = naiveCast(valueAt(x, i), srcBits[i]!, x.dtype, to, mode);
    const g = got[i]!;
    const ok =
      want.kind === 'bits'
        ? g === want.bits
        : (g & 0x7fffffff) > 0x7f800000 && (g >= 0x80000000) === want.negative;
    if (!ok) bad.push(`#${i} ${x.dtype} ${valueAt(x, i)} (bits ${srcBits[i]!.toString(16)}): got ${g.toString(16)}, expected ${JSON.stringify(want)}`);
  }
  expect(bad).toEqual([]);
}

describe('cast', () => {
  const targets = DTYPES.flatMap((to): [DType, Fp8CastMode | undefined][] => (isFp8(to) ? [[to, 'saturate'], [to, 'torch']] : [[to, undefined]]));
  for (const from of DTYPES) {
    it.each(targets)(`${from} -> %s (mode %s)`, (to, mode) => {
      fc.assert(fc.property(tensorsArb(from, 1), ([x]) => checkCast(x!, to, mode)), { numRuns: 25 });
    });
  }

  it('rounds i32 to bf16 once (no double rounding through f32)', () => {
    const v = 2 ** 24 + 2 ** 16 + 1;
    const got = runOp('cast', [tensorOf('i32', [2], [v, -v])], { dtype: 'bf16' });
    expect([valueAt(got, 0), valueAt(got, 1)]).toEqual([2 ** 24 + 2 ** 17, -(2 ** 24 + 2 ** 17)]);
  });

  it('saturates floats into i32 and u8, sends NaN to 0 and wraps i32 into u8', () => {
    const x = tensorOf('f32', [6], [3e9, -3e9, NaN, -0.9, 255.9, -1.5]);
    expect(Array.from(runOp('cast', [x], { dtype: 'i32' }).data)).toEqual([2 ** 31 - 1, -(2 ** 31), 0, 0, 255, -1]);
    expect(Array.from(runOp('cast', [x], { dtype: 'u8' }).data)).toEqual([255, 0, 0, 0, 255, 0]);
    expect(Array.from(runOp('cast', [tensorOf('i32', [3], [256, -1, 511])], { dtype: 'u8' }).data)).toEqual([0, 255, 255]);
  });

  it('overflows e4m3fn per mode: 464 is a tie to 448, just above it is NaN (torch) or 448 (saturate)', () => {
    const x = tensorOf('f32', [3], [464, Math.fround(464.00003), -Infinity]);
    expect(Array.from(runOp('cast', [x], { dtype: 'f8e4m3fn', mode: 'torch' }).data)).toEqual([0x7e, 0x7f, 0xff]);
    expect(Array.from(runOp('cast', [x], { dtype: 'f8e4m3fn', mode: 'saturate' }).data)).toEqual([0x7e, 0x7e, 0xfe]);
  });

  it('converts floats to bool as x != 0 (NaN is true)', () => {
    expect(Array.from(runOp('cast', [tensorOf('f32', [4], [0, -0, NaN, 1e-45])], { dtype: 'bool' }).data)).toEqual([0, 0, 1, 1]);
  });
});
