// Cases for the FP8 composites of the op library (src/composites/fp8-blocks.ts, fp8-gemm.ts): weights and
// activations are quantised inside the graph from random f32 data, so every backend sees real e4m3fn bytes and
// scales, with partial blocks along every axis. Quantization and the GEMM are in the quick pass: WebGPU runs them
// with its own kernels (backends/webgpu/claims.ts), so Chromium's WebGPU checks those too.

import { tensorData, type Value } from '../../ir/index.js';
import { fp8BlockDequantize, fp8BlockQuantize, fp8GatherGemm, fp8Gemm, quantizeActivations, Tensor } from '../../ops/index.js';
import { conformanceCase, type CaseScope, type ConformanceCase } from '../case.js';

const tensor = (s: CaseScope, v: Value) => new Tensor(s.b, v);
const BLOCK = 16;

export const FP8_CASES: readonly ConformanceCase[] = [
  conformanceCase('fp8_block_quantize', (s) => {
    const [q, scale] = fp8BlockQuantize(tensor(s, s.input('w', 'f32', [40, 35])), BLOCK, 'none');
    const [qe, scaleE] = fp8BlockQuantize(tensor(s, s.input('v', 'f32', [2, 20, 18])), BLOCK, 'ue8m0');
    return { q: q!.value, scale: scale!.value, q_ue8m0: qe!.value, scale_ue8m0: scaleE!.value };
  }, { quick: true }),
  conformanceCase('fp8_block_dequantize', (s) => {
    const [q, scale] = fp8BlockQuantize(tensor(s, s.weight('w', 'f32', [40, 35])), BLOCK);
    return { w: fp8BlockDequantize(q!, scale!, BLOCK).value };
  }),
  conformanceCase('fp8_gemm', (s) => {
    const [a, aScale] = quantizeActivations(tensor(s, s.input('x', 'f32', [3, 70])), BLOCK, 'none');
    const [b, bScale] = fp8BlockQuantize(tensor(s, s.weight('w', 'f32', [40, 70])), BLOCK);
    return { y: fp8Gemm(a, aScale, b!, bScale!, BLOCK).value };
  }, { quick: true }),
  conformanceCase('fp8_gather_gemm', (s) => {
    const [a, aScale] = quantizeActivations(tensor(s, s.input('x', 'f32', [5, 50])), BLOCK, 'ue8m0');
    const [b, bScale] = fp8BlockQuantize(tensor(s, s.weight('w', 'f32', [3, 20, 50])), BLOCK);
    const ids = tensor(s, s.input('ids', 'i32', [5], tensorData('i32', [5], Int32Array.from([2, 0, 2, 1, 0]))));
    return { y: fp8GatherGemm(a, aScale, b!, bScale!, ids, BLOCK).value };
  }),
];
