// Cases for the composites of the op library (src/ops), each built through the public op API as model code does.

import { tensorData, type Value } from '../../ir/index.js';
import { fp8Quantize, logSoftmax, rmsNorm, rope, sigmoid, silu, softmax, swiglu, Tensor } from '../../ops/index.js';
import { conformanceCase, type CaseScope, type ConformanceCase } from '../case.js';

const tensor = (s: CaseScope, v: Value) => new Tensor(s.b, v);

/** Rows of `k` values, the first of them all zero (fp8_quantize floors its amax there). */
function rowsWithZeros(s: CaseScope, rows: number, k: number) {
  const values = Float32Array.from({ length: rows * k }, (_, i) => (i < k ? 0 : (s.rng.next() * 8 - 4) * 2 ** (s.rng.int(16) - 8)));
  return tensorData('f32', [rows, k], values);
}

export const COMPOSITE_CASES: readonly ConformanceCase[] = [
  conformanceCase('sigmoid', (s) => ({
    f32: sigmoid(tensor(s, s.input('x', 'f32', [4, 8], 'specials'))).value,
    bf16: sigmoid(tensor(s, s.input('y', 'bf16', [3, 5]))).value,
  })),
  conformanceCase('silu', (s) => ({
    f32: silu(tensor(s, s.input('x', 'f32', [4, 8]))).value,
    bf16: silu(tensor(s, s.input('y', 'bf16', [3, 7]))).value,
  })),
  conformanceCase('swiglu', (s) => ({ f32: swiglu(tensor(s, s.input('gate', 'f32', [3, 16])), tensor(s, s.input('up', 'f32', [3, 16]))).value })),
  conformanceCase('rms_norm', (s) => ({
    f32: rmsNorm(tensor(s, s.input('x', 'f32', [3, 16])), tensor(s, s.weight('w', 'f32', [16])), 1e-6).value,
    bf16: rmsNorm(tensor(s, s.input('y', 'bf16', [2, 2, 8])), tensor(s, s.input('v', 'bf16', [8])), 0.5).value,
  })),
  conformanceCase('softmax', (s) => ({
    f32_rows: softmax(tensor(s, s.input('x', 'f32', [4, 10])), 1).value,
    f32_columns: softmax(tensor(s, s.input('y', 'f32', [6, 5], 'specials')), 0).value,
    bf16: softmax(tensor(s, s.input('z', 'bf16', [2, 3, 7])), 2).value,
  }), { quick: true }),
  conformanceCase('log_softmax', (s) => ({
    f32: logSoftmax(tensor(s, s.input('x', 'f32', [4, 10])), 1).value,
    f16: logSoftmax(tensor(s, s.input('y', 'f16', [3, 6])), 0).value,
  })),
  conformanceCase('rope', (s) => ({
    f32: rope(tensor(s, s.input('x', 'f32', [2, 3, 8])), tensor(s, s.input('cos', 'f32', [3, 4], 'unit')), tensor(s, s.input('sin', 'f32', [3, 4], 'unit'))).value,
    bf16: rope(tensor(s, s.input('y', 'bf16', [4, 6])), tensor(s, s.input('cos_b', 'bf16', [4, 3], 'unit')), tensor(s, s.input('sin_b', 'bf16', [4, 3], 'unit'))).value,
  })),
  conformanceCase('fp8_quantize', (s) => {
    const [q, scale] = fp8Quantize(tensor(s, s.input('x', 'f32', [4, 32], rowsWithZeros(s, 4, 32))), 8, 'none');
    const [qe, scaleE] = fp8Quantize(tensor(s, s.input('y', 'f32', [3, 32], rowsWithZeros(s, 3, 32))), 16, 'ue8m0');
    return { q: q!.value, scale: scale!.value, q_ue8m0: qe!.value, scale_ue8m0: scaleE!.value };
  }),
];
