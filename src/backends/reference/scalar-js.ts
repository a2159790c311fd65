// The JavaScript meaning of every scalar operation on the CPU, as expression templates: a template takes operand
// expressions (plain identifiers, so an operand may appear twice) and returns a JS expression. The op-by-op kernels
// and the compiler's fused kernels are generated from this one table, so CPU scalar semantics live only here.
//
// Values in generated code: every float dtype computes as an f32 value held in a JS number (narrow floats are
// decoded exactly on load and rounded once on store), i32 as an int32 number, u8 as 0..255, bool as 0 or 1.

import { isFloat, type DType, type ElementwiseOpName } from '../../ir/index.js';
import { bf16ToF32, f16ToF32, f32Bits, f32ToBf16, f32ToF16, f32ToFp8, fp8Values, roundToOddF32, type Fp8CastMode } from '../../numerics/index.js';

export type Template = (...operands: string[]) => string;

export type ComputeClass = 'float' | 'i32' | 'u8' | 'bool';

export const computeClass = (d: DType): ComputeClass => (isFloat(d) ? 'float' : d === 'i32' ? 'i32' : d === 'u8' ? 'u8' : 'bool');

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

/** Float -> i32 cast: truncate toward zero, saturate, NaN -> 0. */
export function floatToI32(x: number): number {
  if (x !== x) return 0;
  return x <= I32_MIN ? I32_MIN : x >= I32_MAX ? I32_MAX : Math.trunc(x) | 0;
}

/** Float -> u8 cast: truncate toward zero, saturate, NaN -> 0. */
export function floatToU8(x: number): number {
  if (x !== x) return 0;
  return x <= 0 ? 0 : x >= 255 ? 255 : Math.trunc(x);
}

const E4M3_VALUES = fp8Values('f8e4m3fn');
const E5M2_VALUES = fp8Values('f8e5m2');

/** The functions and tables generated code may use, by these names. */
export const SCALAR_HELPERS = {
  f32Bits,
  f16ToF32,
  bf16ToF32,
  E4M3_VALUES,
  E5M2_VALUES,
  f32ToF16,
  f32ToBf16,
  f32ToFp8,
  floatToI32,
  floatToU8,
  roundToOddF32,
} as const;

const identity: Template = (x) => x!;

/** Storage element -> computed value: narrow floats decode exactly to f32. */
export function loadTemplate(d: DType): Template {
  switch (d) {
    case 'f16':
      return (x) => `f16ToF32(${x})`;
    case 'bf16':
      return (x) => `bf16ToF32(${x})`;
    case 'f8e4m3fn':
      return (x) => `E4M3_VALUES[${x}]`;
    case 'f8e5m2':
      return (x) => `E5M2_VALUES[${x}]`;
    default:
      return identity;
  }
}

/** Computed value (an f32 value for floats) -> storage element. Only fp8 targets take a cast mode. */
export function storeTemplate(d: DType, mode?: Fp8CastMode): Template {
  switch (d) {
    case 'f16':
      return (v) => `f32ToF16(${v})`;
    case 'bf16':
      return (v) => `f32ToBf16(${v})`;
    case 'f8e4m3fn':
    case 'f8e5m2':
      if (mode === undefined) throw new TypeError(`storing ${d} needs a cast mode ("saturate" or "torch")`);
      return (v) => `f32ToFp8(${v}, "${d}", "${mode}")`;
    default:
      return identity;
  }
}

/** Compute value -> storage code as kernels carry codes (spec/kernel-ir.md): an i32, f32 as its bit pattern. */
export const codeTemplate = (d: DType): Template => (d === 'f32' ? (v) => `(f32Bits(${v}) | 0)` : storeTemplate(d, 'torch'));

/** A float64 value (a sum) rounded once to float dtype `d` and stored. */
export function storeF64Template(d: DType): Template {
  switch (d) {
    case 'f32':
      return (v) => `Math.fround(${v})`;
    case 'f16':
    case 'bf16':
      return (v) => storeTemplate(d)(`roundToOddF32(${v})`);
    default:
      throw new TypeError(`no float64 store for ${d}; expected f32, f16 or bf16`);
  }
}

const f32 = (e: string): string => `Math.fround(${e})`;
const compare = (op: string): Template => (a, b) => `(${a} ${op} ${b} ? 1 : 0)`;
const comparisons = (op: string) => ({ float: compare(op), i32: compare(op), u8: compare(op), bool: compare(op) });

/**
 * Elementwise ops by the compute class of their operands; comparisons give bool (0/1). Every elementwise primitive
 * has an entry (a missing one is a type error), and test/conformance/op-tables.test.ts checks it covers every dtype
 * the op accepts.
 */
export const ELEMENTWISE: Readonly<Record<string, Partial<Record<ComputeClass, Template>>>> = {
  neg: { i32: (a) => `(-${a} | 0)` },
  abs: { i32: (a) => `(Math.abs(${a}) | 0)` },
  exp: { float: (a) => f32(`Math.exp(${a})`) },
  // 2 ** n is exact for integer n in f32 range, which the fp8 scale computation relies on.
  exp2: { float: (a) => f32(`2 ** ${a}`) },
  log: { float: (a) => f32(`Math.log(${a})`) },
  log2: { float: (a) => f32(`Math.log2(${a})`) },
  // sqrt and 1/x in float64 then rounded to f32 are correctly rounded: 53 >= 2*24 + 2 makes the double rounding innocuous.
  sqrt: { float: (a) => f32(`Math.sqrt(${a})`) },
  recip: { float: (a) => f32(`1 / ${a}`) },
  sin: { float: (a) => f32(`Math.sin(${a})`) },
  cos: { float: (a) => f32(`Math.cos(${a})`) },
  floor: { float: (a) => `Math.floor(${a})` },
  ceil: { float: (a) => `Math.ceil(${a})` },
  not: { bool: (a) => `(${a} ^ 1)` },
  add: { float: (a, b) => f32(`${a} + ${b}`), i32: (a, b) => `((${a} + ${b}) | 0)` },
  sub: { float: (a, b) => f32(`${a} - ${b}`), i32: (a, b) => `((${a} - ${b}) | 0)` },
  mul: { float: (a, b) => f32(`${a} * ${b}`), i32: (a, b) => `Math.imul(${a}, ${b})` },
  // i32: x / 0 = x; the | 0 both truncates and wraps (-2^31) / (-1) back to -2^31.
  div: { float: (a, b) => f32(`${a} / ${b}`), i32: (a, b) => `(${b} === 0 ? ${a} : (${a} / ${b}) | 0)` },
  mod: { i32: (a, b) => `(${b} === 0 ? 0 : (${a} % ${b}) | 0)` },
  // Math.max/min propagate NaN and order -0 below +0, as the spec asks.
  max: { float: (a, b) => `Math.max(${a}, ${b})`, i32: (a, b) => `Math.max(${a}, ${b})` },
  min: { float: (a, b) => `Math.min(${a}, ${b})`, i32: (a, b) => `Math.min(${a}, ${b})` },
  lt: comparisons('<'),
  le: comparisons('<='),
  eq: comparisons('==='),
  ne: comparisons('!=='),
  and: { bool: (a, b) => `(${a} & ${b})` },
  or: { bool: (a, b) => `(${a} | ${b})` },
} satisfies Record<ElementwiseOpName, Partial<Record<ComputeClass, Template>>>;

interface SignMasks {
  readonly sign: number;
  readonly magnitude: number;
}

/** The sign and magnitude bits of each arithmetic float's storage element (f32 storage bits are read as int32). */
const SIGN_MASKS: Partial<Record<DType, SignMasks>> = {
  f32: { sign: -0x80000000, magnitude: 0x7fffffff },
  f16: { sign: 0x8000, magnitude: 0x7fff },
  bf16: { sign: 0x8000, magnitude: 0x7fff },
};

/** Float ops defined on the sign bit: applied to storage bits, so they flip or clear the sign of NaNs exactly. */
const SIGN_BIT_OPS: Readonly<Record<string, (m: SignMasks) => Template>> = {
  neg: (m) => (a) => `(${a} ^ ${m.sign})`,
  abs: (m) => (a) => `(${a} & ${m.magnitude})`,
};

/** where on raw storage bits: the selected operand is copied bit for bit. */
export const SELECT: Template = (c, a, b) => `(${c} !== 0 ? ${a} : ${b})`;

/** An op's template, and whether it works on raw storage bits instead of decoded values. */
export interface ElementwiseTemplate {
  readonly expr: Template;
  readonly raw: boolean;
}

/** The template of elementwise `op` for operands of dtype `d`. */
export function elementwiseTemplate(op: string, d: DType): ElementwiseTemplate {
  const masks = SIGN_MASKS[d];
  const bitOp = SIGN_BIT_OPS[op];
  if (bitOp && masks) return { expr: bitOp(masks), raw: true };
  const expr = ELEMENTWISE[op]?.[computeClass(d)];
  if (expr === undefined) throw new TypeError(`cpu: no elementwise "${op}" for ${d}`);
  return { expr, raw: false };
}

/** Converts a computed value of dtype `from` into a computed value of dtype `to` (the store then encodes it). */
export function castTemplate(from: DType, to: DType): Template {
  const source = computeClass(from);
  switch (computeClass(to)) {
    case 'bool':
      return source === 'bool' ? identity : (x) => `(${x} !== 0 ? 1 : 0)`;
    case 'float':
      if (source !== 'i32') return identity;
      // An i32 may need rounding; narrow targets round it once via round-to-odd.
      return to === 'f32' ? (x) => f32(x!) : (x) => `roundToOddF32(${x})`;
    case 'i32':
      return source === 'float' ? (x) => `floatToI32(${x})` : identity;
    case 'u8':
      return source === 'float' ? (x) => `floatToU8(${x})` : source === 'i32' ? (x) => `(${x} & 255)` : identity;
  }
}

export type ReduceOp = 'reduce_sum' | 'reduce_max' | 'reduce_min';

export interface ReducerTemplates {
  /** The accumulator's initial value (the result of an empty reduction). */
  readonly init: string;
  readonly combine: Template;
  /** Accumulator -> storage element. */
  readonly store: Template;
}

/** Float sums accumulate in float64 and round once; i32 sums wrap; max/min are exact. */
export function reducerTemplates(op: ReduceOp, d: DType): ReducerTemplates {
  const cls = computeClass(d);
  if (cls !== 'float' && cls !== 'i32') throw new TypeError(`cpu: no ${op} for ${d}; expected f32, f16, bf16 or i32`);
  switch (op) {
    case 'reduce_sum':
      return cls === 'float'
        ? { init: '0', combine: (acc, x) => `${acc} + ${x}`, store: storeF64Template(d) }
        : { init: '0', combine: (acc, x) => `(${acc} + ${x}) | 0`, store: identity };
    case 'reduce_max':
      return { init: cls === 'float' ? '-Infinity' : String(I32_MIN), combine: (acc, x) => `Math.max(${acc}, ${x})`, store: storeTemplate(d) };
    case 'reduce_min':
      return { init: cls === 'float' ? 'Infinity' : String(I32_MAX), combine: (acc, x) => `Math.min(${acc}, ${x})`, store: storeTemplate(d) };
  }
}
