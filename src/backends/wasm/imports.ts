// The JavaScript functions generated kernels import (module "js"): the transcendental functions WebAssembly lacks,
// and the narrow-float conversions, which call the shared numerics (src/numerics) so that every FP8, bf16 and f16
// rounding is the one the other backends use, bit for bit. Floats cross as f64 (an f32 widens exactly).

import { f16ToF32, f32ToBf16, f32ToF16, f32ToFp8, fp8Values, roundToOddF32 } from '../../numerics/index.js';
import type { DType } from '../../ir/index.js';
import type { FuncImport, ValType } from './wasm-module.js';

interface Helper {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
  readonly fn: (...args: number[]) => number | void;
}

const unary = (fn: (x: number) => number): Helper => ({ params: ['f64'], results: ['f64'], fn });
const decoder = (fn: (code: number) => number): Helper => ({ params: ['i32'], results: ['f64'], fn });
const encoder = (fn: (x: number) => number): Helper => ({ params: ['f64'], results: ['i32'], fn });
const E4M3 = fp8Values('f8e4m3fn');
const E5M2 = fp8Values('f8e5m2');

const HELPERS: Readonly<Record<string, Helper>> = {
  exp: unary(Math.exp),
  // 2 ** n is exact for integer n in f32 range, which the fp8 scale computation relies on.
  exp2: unary((x) => 2 ** x),
  log: unary(Math.log),
  log2: unary(Math.log2),
  sin: unary(Math.sin),
  cos: unary(Math.cos),
  round_to_odd: unary(roundToOddF32),
  f16_decode: decoder(f16ToF32),
  f8e4m3fn_decode: decoder((c) => E4M3[c]!),
  f8e5m2_decode: decoder((c) => E5M2[c]!),
  f16_encode: encoder(f32ToF16),
  bf16_encode: encoder(f32ToBf16),
  f8e4m3fn_torch: encoder((x) => f32ToFp8(x, 'f8e4m3fn', 'torch')),
  f8e4m3fn_saturate: encoder((x) => f32ToFp8(x, 'f8e4m3fn', 'saturate')),
  f8e5m2_torch: encoder((x) => f32ToFp8(x, 'f8e5m2', 'torch')),
  f8e5m2_saturate: encoder((x) => f32ToFp8(x, 'f8e5m2', 'saturate')),
};

/** The import that reports an index out of range (`checked`): value, bound and the index of its `what` text. */
export const OUT_OF_RANGE = 'out_of_range';

/** The import that decodes an f16 or fp8 code to its value (bf16 decodes by a shift). */
export const decodeImport = (d: DType): string => `${d}_decode`;

/** The import that encodes an f32 value as a code of narrow float `d` (fp8: in `mode`). */
export const encodeImport = (d: DType, mode: 'torch' | 'saturate' = 'torch'): string => (d === 'f16' || d === 'bf16' ? `${d}_encode` : `${d}_${mode}`);

/** The declarations of imports `names`, in that order. */
export function importDeclarations(names: readonly string[]): FuncImport[] {
  return names.map((name) => {
    if (name === OUT_OF_RANGE) return { name, params: ['i32', 'i32', 'i32'], results: [] };
    const h = HELPERS[name];
    if (!h) throw new Error(`wasm backend: no imported helper "${name}"`);
    return { name, params: h.params, results: h.results };
  });
}

/** The import object of a kernel module: its helpers, and an out-of-range report naming the kernel's `what` texts. */
export function importObject(memory: WebAssembly.Memory, names: readonly string[], what: readonly string[]): WebAssembly.Imports {
  const js: Record<string, (...args: number[]) => number | void> = {};
  for (const name of names) {
    js[name] =
      name === OUT_OF_RANGE
        ? (value: number, bound: number, index: number) => {
            throw new RangeError(`${what[index]}: index ${value} out of range [0, ${bound})`);
          }
        : HELPERS[name]!.fn;
  }
  return { env: { memory }, js };
}
