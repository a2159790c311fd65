// WGSL conversions between f32 and the narrow float formats, bit-identical to the CPU codecs in src/numerics/.
// They work on the bits with integer operations only: WGSL has no infinity/NaN literals, f16 arithmetic is an
// optional feature whose rounding (like pack2x16float's) is not pinned down, and software devices (lavapipe,
// SwiftShader) may flush f32 subnormals in float arithmetic. So inputs are inspected with bitcast<u32>(x) and
// results built with bitcast<f32>(bits); no value that may be subnormal meets a float operation.
// Narrow values travel as u32 codes in the low bits (fp8: 8, bf16/f16: 16); packedLoad/packedStore move them in and
// out of the packed storage words (see transfers.ts for the layout).
// The correctly rounded f32 arithmetic of wgsl-f32-arithmetic.ts is emitted through the same registry.

import { F32_ARITHMETIC, F32_ARITHMETIC_NAMES } from './wgsl-f32-arithmetic.js';

export interface WgslFunction {
  readonly code: string;
  /** Functions the code calls, emitted before it. */
  readonly uses: readonly WgslNumericsName[];
}

const CONVERSION_NAMES = [
  'round_f32_bits_to_narrow',
  'narrow_magnitude_to_f32_bits',
  'f32_to_fp8',
  'fp8_to_f32_bits',
  'f32_to_e4m3fn_sat',
  'f32_to_e4m3fn_torch',
  'f32_to_e5m2_sat',
  'f32_to_e5m2_torch',
  'e4m3fn_to_f32',
  'e5m2_to_f32',
  'f32_to_bf16',
  'bf16_to_f32',
  'f32_to_f16',
  'f16_to_f32',
  'pack_u16x2',
  'pack_u8x4',
] as const;

export const WGSL_NUMERICS_NAMES = [...CONVERSION_NAMES, ...F32_ARITHMETIC_NAMES] as const;

export type WgslNumericsName = (typeof WGSL_NUMERICS_NAMES)[number];

const CONVERSIONS: Record<(typeof CONVERSION_NAMES)[number], WgslFunction> = {
  // src/numerics/fp8.ts's encoder: the significand is placed under the target exponent and shifted right to leave the
  // magnitude code (more shift per binade below the smallest normal denormalises); round to nearest even by adding
  // half - 1 plus the kept lowest bit; a carry out of the mantissa lands in the exponent, which is again right.
  // Codes past the largest finite value are left to the caller to clamp.
  round_f32_bits_to_narrow: {
    uses: [],
    code: `
// Rounds |x| (f32 bits, sign clear, not NaN) to nearest even in a float format with mant_bits mantissa bits and
// exponent bias 'bias', subnormals kept; returns the magnitude code, unclamped.
fn round_f32_bits_to_narrow(abs_bits: u32, mant_bits: u32, bias: i32) -> u32 {
  let e = i32(abs_bits >> 23u) - 127 + bias;
  // For f32 zeros/subnormals the implied 1 is wrong, but they shift by 31 and round to 0 anyway.
  let sig = (u32(max(e, 1)) << 23u) | (abs_bits & 0x7fffffu);
  let shift = u32(min(23 - i32(mant_bits) + max(1 - e, 0), 31));
  let half = 1u << (shift - 1u);
  return (sig + (half - 1u) + ((sig >> shift) & 1u)) >> shift;
}`,
  },
  narrow_magnitude_to_f32_bits: {
    uses: [],
    code: `
// The f32 bits of a finite magnitude code of a float format with mant_bits mantissa bits and exponent bias 'bias'.
fn narrow_magnitude_to_f32_bits(magnitude: u32, mant_bits: u32, bias: u32) -> u32 {
  let e = magnitude >> mant_bits;
  let m = magnitude & ((1u << mant_bits) - 1u);
  if (e != 0u) {
    return ((e + 127u - bias) << 23u) | (m << (23u - mant_bits));
  }
  if (m == 0u) {
    return 0u;
  }
  // Subnormal in the narrow format, normal in f32: normalise on the leading one (bit p of m).
  let p = firstLeadingBit(m);
  return ((p + 128u - bias - mant_bits) << 23u) | ((m << (23u - p)) & 0x7fffffu);
}`,
  },
  f32_to_fp8: {
    uses: ['round_f32_bits_to_narrow'],
    code: `
// limit: the largest magnitude code the cast produces; one past max finite is torch's overflow code (NaN or inf).
fn f32_to_fp8(x: f32, mant_bits: u32, bias: i32, limit: u32) -> u32 {
  let bits = bitcast<u32>(x);
  let sign = (bits >> 24u) & 0x80u;
  let abs_bits = bits & 0x7fffffffu;
  if (abs_bits > 0x7f800000u) {
    return sign | 0x7fu;
  }
  return sign | min(round_f32_bits_to_narrow(abs_bits, mant_bits, bias), limit);
}`,
  },
  fp8_to_f32_bits: {
    uses: ['narrow_magnitude_to_f32_bits'],
    code: `
// inf_code: the magnitude code of infinity, or 0x80u for a format without one. NaN codes give the quiet NaN
// 0x7fc00000 with their sign, as the CPU codec does.
fn fp8_to_f32_bits(code: u32, mant_bits: u32, bias: u32, max_finite: u32, inf_code: u32) -> u32 {
  let sign = (code & 0x80u) << 24u;
  let magnitude = code & 0x7fu;
  if (magnitude > max_finite) {
    if (magnitude == inf_code) {
      return sign | 0x7f800000u;
    }
    return sign | 0x7fc00000u;
  }
  return sign | narrow_magnitude_to_f32_bits(magnitude, mant_bits, bias);
}`,
  },
  f32_to_e4m3fn_sat: {
    uses: ['f32_to_fp8'],
    code: `
// Saturating: beyond +-448 (and +-inf) gives +-448.
fn f32_to_e4m3fn_sat(x: f32) -> u32 {
  return f32_to_fp8(x, 3u, 7, 0x7eu);
}`,
  },
  f32_to_e4m3fn_torch: {
    uses: ['f32_to_fp8'],
    code: `
// torch: |x| > 464 (and +-inf) gives NaN.
fn f32_to_e4m3fn_torch(x: f32) -> u32 {
  return f32_to_fp8(x, 3u, 7, 0x7fu);
}`,
  },
  f32_to_e5m2_sat: {
    uses: ['f32_to_fp8'],
    code: `
// Saturating: beyond +-57344 (and +-inf) gives +-57344.
fn f32_to_e5m2_sat(x: f32) -> u32 {
  return f32_to_fp8(x, 2u, 15, 0x7bu);
}`,
  },
  f32_to_e5m2_torch: {
    uses: ['f32_to_fp8'],
    code: `
// torch: |x| >= 61440 gives +-inf.
fn f32_to_e5m2_torch(x: f32) -> u32 {
  return f32_to_fp8(x, 2u, 15, 0x7cu);
}`,
  },
  e4m3fn_to_f32: {
    uses: ['fp8_to_f32_bits'],
    code: `
fn e4m3fn_to_f32(code: u32) -> f32 {
  return bitcast<f32>(fp8_to_f32_bits(code, 3u, 7u, 0x7eu, 0x80u));
}`,
  },
  e5m2_to_f32: {
    uses: ['fp8_to_f32_bits'],
    code: `
fn e5m2_to_f32(code: u32) -> f32 {
  return bitcast<f32>(fp8_to_f32_bits(code, 2u, 15u, 0x7bu, 0x7cu));
}`,
  },
  f32_to_bf16: {
    uses: [],
    code: `
// Round to nearest even on the bits (src/numerics/bf16.ts); NaN becomes the quiet NaN 0x7fc0 with its sign.
fn f32_to_bf16(x: f32) -> u32 {
  let bits = bitcast<u32>(x);
  if ((bits & 0x7fffffffu) > 0x7f800000u) {
    return ((bits >> 16u) & 0x8000u) | 0x7fc0u;
  }
  return (bits + 0x7fffu + ((bits >> 16u) & 1u)) >> 16u;
}`,
  },
  bf16_to_f32: {
    uses: [],
    code: `
fn bf16_to_f32(h: u32) -> f32 {
  return bitcast<f32>(h << 16u);
}`,
  },
  f32_to_f16: {
    uses: ['round_f32_bits_to_narrow'],
    code: `
// Round to nearest even, subnormals kept, overflow to +-inf; NaN becomes the quiet NaN 0x7e00 with its sign.
fn f32_to_f16(x: f32) -> u32 {
  let bits = bitcast<u32>(x);
  let sign = (bits >> 16u) & 0x8000u;
  let abs_bits = bits & 0x7fffffffu;
  if (abs_bits > 0x7f800000u) {
    return sign | 0x7e00u;
  }
  return sign | min(round_f32_bits_to_narrow(abs_bits, 10u, 15), 0x7c00u);
}`,
  },
  f16_to_f32: {
    uses: ['narrow_magnitude_to_f32_bits'],
    code: `
// NaN stays NaN with its sign and payload, made quiet (as the CPU codec does).
fn f16_to_f32(h: u32) -> f32 {
  let sign = (h & 0x8000u) << 16u;
  let magnitude = h & 0x7fffu;
  if (magnitude == 0x7c00u) {
    return bitcast<f32>(sign | 0x7f800000u);
  }
  if (magnitude > 0x7c00u) {
    return bitcast<f32>(sign | 0x7fc00000u | ((magnitude & 0x3ffu) << 13u));
  }
  return bitcast<f32>(sign | narrow_magnitude_to_f32_bits(magnitude, 10u, 15u));
}`,
  },
  pack_u16x2: {
    uses: [],
    code: `
// One storage word of two 16-bit codes (element 2w in the low half).
fn pack_u16x2(lo: u32, hi: u32) -> u32 {
  return (lo & 0xffffu) | (hi << 16u);
}`,
  },
  pack_u8x4: {
    uses: [],
    code: `
// One storage word of four 8-bit codes (element 4w in the low byte).
fn pack_u8x4(b0: u32, b1: u32, b2: u32, b3: u32) -> u32 {
  return (b0 & 0xffu) | ((b1 & 0xffu) << 8u) | ((b2 & 0xffu) << 16u) | (b3 << 24u);
}`,
  },
};

const FUNCTIONS: Record<WgslNumericsName, WgslFunction> = { ...CONVERSIONS, ...F32_ARITHMETIC };

/** The WGSL of the named functions and of the functions they call, each once, callees first. */
export function wgslNumerics(names: Iterable<WgslNumericsName>): string {
  const emitted = new Set<WgslNumericsName>();
  const out: string[] = [];
  const emit = (name: WgslNumericsName): void => {
    if (emitted.has(name)) return;
    const fn = FUNCTIONS[name];
    if (fn === undefined) throw new RangeError(`wgslNumerics: no function ${JSON.stringify(name)}; expected one of ${WGSL_NUMERICS_NAMES.join(', ')}`);
    fn.uses.forEach(emit);
    emitted.add(name);
    out.push(fn.code.trim());
  };
  for (const name of names) emit(name);
  return out.join('\n\n') + '\n';
}

export type PackedWidth = 8 | 16;

function checkIdentifier(buffer: string, what: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(buffer)) throw new RangeError(`${what}: ${JSON.stringify(buffer)} is not a WGSL identifier`);
}

/** Word index, lane shift and mask of element i in a packed array of `width`-bit codes. */
function lane(width: PackedWidth): { word: string; shift: string; mask: string } {
  return width === 16
    ? { word: 'i >> 1u', shift: '(i & 1u) << 4u', mask: '0xffffu' }
    : { word: 'i >> 2u', shift: '(i & 3u) << 3u', mask: '0xffu' };
}

/**
 * `fn load_u{width}_{buffer}(i: u32) -> u32`: the code of element i of the module-scope packed `array<u32>` named
 * `buffer`.
 */
export function packedLoad(buffer: string, width: PackedWidth): string {
  checkIdentifier(buffer, 'packedLoad');
  const { word, shift, mask } = lane(width);
  return `fn load_u${width}_${buffer}(i: u32) -> u32 {\n  return (${buffer}[${word}] >> (${shift})) & ${mask};\n}\n`;
}

/**
 * `fn store_u{width}_{buffer}(i: u32, code: u32)`: sets element i of the module-scope packed `array<atomic<u32>>`
 * named `buffer`. Invocations sharing a word each own their lane, and every update is one atomic operation on only
 * that lane's bits, so concurrent stores to one word do not race. (A kernel that writes whole words should use
 * pack_u16x2 / pack_u8x4 on a plain array instead.)
 */
export function packedStore(buffer: string, width: PackedWidth): string {
  checkIdentifier(buffer, 'packedStore');
  const { word, shift, mask } = lane(width);
  return (
    `fn store_u${width}_${buffer}(i: u32, code: u32) {\n` +
    `  let shift = ${shift};\n` +
    `  atomicAnd(&${buffer}[${word}], ~(${mask} << shift));\n` +
    `  atomicOr(&${buffer}[${word}], (code & ${mask}) << shift);\n` +
    `}\n`
  );
}
