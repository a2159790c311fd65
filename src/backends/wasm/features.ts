// What the WebAssembly runtime offers, found once at start-up by validating tiny modules: SIMD128 (required) and
// relaxed SIMD, whose fused multiply-add the GEMM uses where present (gemm.ts).

import { encodeModule, type ValType } from './wasm-module.js';

/** Whether the runtime validates a function of `params` to a v128 whose body is `body`. */
function validates(params: readonly ValType[], body: string): boolean {
  const main = { name: 'probe', exported: true, params: params.map((type, i) => ({ name: `x${i}`, type })), results: ['v128' as const], locals: [], body };
  return WebAssembly.validate(encodeModule({ imports: [], functions: [main], sharedMemory: false }));
}

export interface WasmFeatures {
  readonly simd: boolean;
  readonly relaxedSimd: boolean;
}

export const detectFeatures = (): WasmFeatures => ({
  simd: validates(['f32'], 'local.get $x0 f32x4.splat'),
  relaxedSimd: validates(['v128', 'v128', 'v128'], 'local.get $x0 local.get $x1 local.get $x2 f32x4.relaxed_madd'),
});
