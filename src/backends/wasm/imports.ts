// The JavaScript functions generated kernels import (module "js"): the transcendental functions WebAssembly lacks,
// the f16 conversions and float64 round-to-odd, which call the shared numerics (src/numerics) so that every rounding
// is the one the other backends use, bit for bit (fp8 and bf16 convert in WebAssembly: narrow-floats.ts). Floats
// cross as f64 (an f32 widens exactly).

import { f16ToF32, f32ToF16, roundToOddF32 } from '../../numerics/index.js';
import type { FuncImport, ValType } from './wasm-module.js';

interface Helper {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
  readonly fn: (...args: number[]) => number | void;
}

const unary = (fn: (x: number) => number): Helper => ({ params: ['f64'], results: ['f64'], fn });
const decoder = (fn: (code: number) => number): Helper => ({ params: ['i32'], results: ['f64'], fn });
const encoder = (fn: (x: number) => number): Helper => ({ params: ['f64'], results: ['i32'], fn });

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
  f16_encode: encoder(f32ToF16),
};

/** The import that reports an index out of range (`checked`): value, bound and the index of its `what` text. */
export const OUT_OF_RANGE = 'out_of_range';

/** The imports that decode an f16 code to its value and encode an f32 value as one (bf16 and fp8: narrow-floats.ts). */
export const F16_DECODE = 'f16_decode';
export const F16_ENCODE = 'f16_encode';

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
