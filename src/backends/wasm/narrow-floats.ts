// FP8 and bf16 conversions in WebAssembly itself, so a kernel reading fp8 weights makes no call into JavaScript per
// element: fp8 decodes by a lookup in the shared numerics' own tables, copied once into the linear memory; fp8 and
// bf16 encode by the integer algorithms of src/numerics (fp8.ts, bf16.ts), ported as WebGPU ports them to WGSL
// (wgsl-numerics.ts). f16 still calls the imported numerics (imports.ts). test/backends/wasm/narrow-floats.test.ts
// checks them against src/numerics bit for bit.

import { fp8Values, type Fp8CastMode, type Fp8Format } from '../../numerics/index.js';
import type { WasmFunction } from './wasm-module.js';

const FORMATS: readonly Fp8Format[] = ['f8e4m3fn', 'f8e5m2'];

/** Where the fp8 decode tables (256 f32 each, by code) live in every linear memory. */
export const FP8_TABLES_AT = 16;
export const FP8_TABLES_BYTES = FORMATS.length * 256 * 4;

const tableAddress = (format: Fp8Format): number => FP8_TABLES_AT + FORMATS.indexOf(format) * 256 * 4;

/** The f32 value of the fp8 code (an i32) on the stack. */
export const fp8Decode = (format: Fp8Format): string => `i32.const 2 i32.shl f32.load offset=${tableAddress(format)}`;

/** Writes the decode tables into `memory` (its bytes from 0). */
export function writeFp8Tables(memory: Uint8Array): void {
  for (const f of FORMATS) {
    const table = fp8Values(f);
    memory.set(new Uint8Array(table.buffer, table.byteOffset, table.byteLength), tableAddress(f));
  }
}

/** Mantissa bits, exponent bias and the largest magnitude code of each cast (one past max finite: torch's NaN/inf). */
const FP8_ENCODING: Readonly<Record<Fp8Format, { mantBits: number; bias: number; limit: Readonly<Record<Fp8CastMode, number>> }>> = {
  f8e4m3fn: { mantBits: 3, bias: 7, limit: { saturate: 0x7e, torch: 0x7f } },
  f8e5m2: { mantBits: 2, bias: 15, limit: { saturate: 0x7b, torch: 0x7c } },
};

/** The fp8 code (an i32) of the f32 value on the stack. */
export function fp8Encode(format: Fp8Format, mode: Fp8CastMode): string {
  const { mantBits, bias, limit } = FP8_ENCODING[format];
  return `i32.reinterpret_f32 i32.const ${mantBits} i32.const ${bias} i32.const ${limit[mode]} call $fp8_encode`;
}

/** The bf16 code (an i32) of the f32 value on the stack. */
export const bf16Encode = 'i32.reinterpret_f32 call $bf16_encode';

const i32 = (name: string) => ({ name, type: 'i32' as const });

export const NARROW_FLOAT_FUNCTIONS: readonly WasmFunction[] = [
  {
    // fp8.ts's encodeFp8Bits: the significand under the fp8 exponent, shifted right (more per binade below the
    // smallest normal), rounded to nearest even by adding half - 1 plus the kept lowest bit; then min(code, limit).
    name: 'fp8_encode',
    exported: false,
    params: ['bits', 'mant', 'bias', 'limit'].map(i32),
    results: ['i32'],
    locals: ['sign', 'abs', 'exp', 'sig', 'shift', 'code'].map(i32),
    body: [
      'local.get $bits i32.const 24 i32.shr_u i32.const 128 i32.and local.set $sign',
      'local.get $bits i32.const 2147483647 i32.and local.set $abs',
      'local.get $abs i32.const 2139095040 i32.gt_u if local.get $sign i32.const 127 i32.or return end',
      'local.get $abs i32.const 23 i32.shr_u i32.const 127 i32.sub local.get $bias i32.add local.set $exp',
      'local.get $exp i32.const 1 local.get $exp i32.const 1 i32.gt_s select i32.const 23 i32.shl local.get $abs i32.const 8388607 i32.and i32.or local.set $sig',
      'i32.const 23 local.get $mant i32.sub i32.const 1 local.get $exp i32.sub i32.const 0 i32.const 1 local.get $exp i32.sub i32.const 0 i32.gt_s select i32.add local.set $shift',
      'local.get $shift i32.const 31 local.get $shift i32.const 31 i32.lt_s select local.set $shift',
      'local.get $sig i32.const 1 local.get $shift i32.const 1 i32.sub i32.shl i32.const 1 i32.sub i32.add local.get $sig local.get $shift i32.shr_u i32.const 1 i32.and i32.add local.get $shift i32.shr_u local.set $code',
      'local.get $sign local.get $code local.get $limit local.get $code local.get $limit i32.lt_u select i32.or',
    ].join('\n'),
  },
  {
    // bf16.ts's bf16FromF32Bits: NaN keeps its sign as the quiet NaN; otherwise round to nearest even on the top half.
    name: 'bf16_encode',
    exported: false,
    params: [i32('bits')],
    results: ['i32'],
    locals: [],
    body: [
      'local.get $bits i32.const 2147483647 i32.and i32.const 2139095040 i32.gt_u if local.get $bits i32.const 16 i32.shr_u i32.const 32768 i32.and i32.const 32704 i32.or return end',
      'local.get $bits i32.const 32767 i32.add local.get $bits i32.const 16 i32.shr_u i32.const 1 i32.and i32.add i32.const 16 i32.shr_u',
    ].join('\n'),
  },
];
