// Renders kernel-IR expressions and statements as flat WAT instructions, on the shared loop-nest skeleton
// (compiler/nest-writer.ts): every subexpression becomes a local set once, in the outermost loop it depends on.
// Scalar semantics are those of the CPU backend's JavaScript (f32 arithmetic correctly rounded, transcendental
// functions in float64 rounded once to f32, integers wrapping), so results agree with it bit for bit.

import { byteSize, isFloat, isFp8, type DType } from '../../ir/index.js';
import type { Fp8CastMode } from '../../numerics/index.js';
import type { Expr } from '../../compiler/expr.js';
import type { Accumulator, Kernel, Store } from '../../compiler/kernel.js';
import { accName, NestWriter, type Loop, type Syntax } from '../../compiler/nest-writer.js';
import { F16_DECODE, F16_ENCODE, OUT_OF_RANGE } from './imports.js';
import { bf16Encode, fp8Decode, fp8Encode } from './narrow-floats.js';
import { floatLiteral } from './instructions.js';
import type { Local, ValType } from './wasm-module.js';

/** An operand as instructions: a declared name (t3, i0, a0) is read from its local; literals and params are code. */
export const get = (x: string): string => (/^[a-z]\w*$/.test(x) ? `local.get $${x}` : x);

const log2Size = (d: DType): number => Math.log2(byteSize(d));

/** The address of element `index` (an operand) of the buffer whose pointer is local `base`. */
export const address = (base: string, index: string, d: DType): string => {
  const shift = log2Size(d);
  return `local.get $${base} ${get(index)}${shift ? ` i32.const ${shift} i32.shl` : ''} i32.add`;
};

/** Loads the value of an element whose address is on the stack, decoded to its compute type. */
function loadValue(d: DType): string {
  switch (d) {
    case 'f32':
      return 'f32.load';
    case 'i32':
      return 'i32.load';
    case 'u8':
    case 'bool':
      return 'i32.load8_u';
    case 'bf16':
      return 'i32.load16_u i32.const 16 i32.shl f32.reinterpret_i32';
    default:
      return `${loadCode(d)} ${decodeCode(d)}`;
  }
}

/** Loads an element's storage code (an i32). */
const loadCode = (d: DType): string => (byteSize(d) === 4 ? 'i32.load' : byteSize(d) === 2 ? 'i32.load16_u' : 'i32.load8_u');

/** Stores the i32 code on the stack into an element of `d`. */
const storeCode = (d: DType): string => (byteSize(d) === 4 ? 'i32.store' : byteSize(d) === 2 ? 'i32.store16' : 'i32.store8');

/** The storage code of the f32 value `x` (instructions) in float dtype `d`. */
function encode(x: string, d: DType, mode: Fp8CastMode = 'torch'): string {
  if (d === 'f32') return `${x} i32.reinterpret_f32`;
  if (d === 'bf16') return `${x} ${bf16Encode}`;
  if (d === 'f16') return `${x} f64.promote_f32 call $${F16_ENCODE}`;
  if (isFp8(d)) return `${x} ${fp8Encode(d, mode)}`;
  throw new Error(`render-wasm: ${d} is not a float dtype to encode`);
}

const viaF64 = (name: string) => (x: string) => `${x} f64.promote_f32 call $${name} f32.demote_f64`;
const binary = (instr: string) => (a: string, b: string) => `${a} ${b} ${instr}`;
const unaryOp = (instr: string) => (a: string) => `${a} ${instr}`;

type Template = (...operands: string[]) => string;
type Cls = 'float' | 'i32' | 'u8' | 'bool';
const classOf = (d: DType): Cls => (isFloat(d) ? 'float' : d === 'i32' ? 'i32' : d === 'u8' ? 'u8' : 'bool');
const classOfExpr = (e: Expr): Cls => (e.type === 'f32' ? 'float' : e.type);

const intComparisons = (instr: string) => ({ i32: binary(instr), u8: binary(instr), bool: binary(instr) });

/** Elementwise ops by the class of their operands (the CPU's ELEMENTWISE table, in WebAssembly). */
const ELEMENTWISE: Readonly<Record<string, Partial<Record<Cls, Template>>>> = {
  neg: { float: unaryOp('f32.neg'), i32: (a) => `i32.const 0 ${a} i32.sub` },
  abs: { float: unaryOp('f32.abs'), i32: (a) => `i32.const 0 ${a} i32.sub ${a} ${a} i32.const 0 i32.lt_s select` },
  exp: { float: viaF64('exp') },
  exp2: { float: viaF64('exp2') },
  log: { float: viaF64('log') },
  log2: { float: viaF64('log2') },
  sin: { float: viaF64('sin') },
  cos: { float: viaF64('cos') },
  sqrt: { float: unaryOp('f32.sqrt') },
  recip: { float: (a) => `f32.const 1 ${a} f32.div` },
  floor: { float: unaryOp('f32.floor') },
  ceil: { float: unaryOp('f32.ceil') },
  not: { bool: (a) => `${a} i32.const 1 i32.xor` },
  add: { float: binary('f32.add'), i32: binary('i32.add') },
  sub: { float: binary('f32.sub'), i32: binary('i32.sub') },
  mul: { float: binary('f32.mul'), i32: binary('i32.mul') },
  div: { float: binary('f32.div'), i32: binary('call $div_i32') },
  mod: { i32: binary('call $rem_i32') },
  // f32.max/min propagate NaN and order -0 below +0, as Math.max/min do.
  max: { float: binary('f32.max'), i32: (a, b) => `${a} ${b} ${a} ${b} i32.gt_s select` },
  min: { float: binary('f32.min'), i32: (a, b) => `${a} ${b} ${a} ${b} i32.lt_s select` },
  lt: { float: binary('f32.lt'), ...intComparisons('i32.lt_s') },
  le: { float: binary('f32.le'), ...intComparisons('i32.le_s') },
  eq: { float: binary('f32.eq'), ...intComparisons('i32.eq') },
  ne: { float: binary('f32.ne'), ...intComparisons('i32.ne') },
  and: { bool: binary('i32.and') },
  or: { bool: binary('i32.or') },
};

/** A value of dtype `from` converted to the compute value of dtype `to` (a narrow float still to be rounded). */
function convert(x: string, from: DType, to: DType): string {
  const source = classOf(from);
  switch (classOf(to)) {
    case 'bool':
      return source === 'bool' ? x : source === 'float' ? `${x} f32.const 0 f32.ne` : `${x} i32.const 0 i32.ne`;
    case 'float':
      if (source === 'float') return x;
      // An i32 may need rounding; narrow targets round it once via round-to-odd.
      return source === 'i32' && to !== 'f32' ? `${x} f64.convert_i32_s call $round_to_odd f32.demote_f64` : `${x} f32.convert_i32_s`;
    case 'i32':
      return source === 'float' ? `${x} i32.trunc_sat_f32_s` : x;
    case 'u8':
      return source === 'float' ? `${x} call $u8_of_f32` : source === 'i32' ? `${x} i32.const 255 i32.and` : x;
  }
}

/** Collects what a kernel function declares and refers to while it is rendered. */
export class KernelScope {
  readonly locals = new Map<string, ValType>();
  /** The `what` texts of its `checked` expressions, by index. */
  readonly what: string[] = [];

  constructor(
    readonly kernel: Kernel,
    private readonly extraParams: readonly string[] = [],
  ) {}

  local(name: string, type: ValType): void {
    this.locals.set(name, type);
  }

  whatIndex(what: string): number {
    const i = this.what.indexOf(what);
    return i >= 0 ? i : this.what.push(what) - 1;
  }

  /** The function's parameters: input and output pointers, runtime parameters, then any extra ones. */
  params(): Local[] {
    const k = this.kernel;
    return [...k.inputs.map((_, i) => `in${i}`), ...k.outputs.map((_, i) => `out${i}`), ...k.params.map((_, i) => `p${i}`), ...this.extraParams].map((name) => ({ name, type: 'i32' as const }));
  }
}

const valType = (e: Expr): ValType => (e.type === 'f32' ? 'f32' : 'i32');

function exprCode(e: Expr, a: readonly string[], scope: KernelScope): string {
  const x = a.map(get);
  switch (e.kind) {
    case 'load':
      return `${address(`in${e.input}`, a[0]!, e.dtype)} ${e.bits ? loadCode(e.dtype) : loadValue(e.dtype)}`;
    case 'encode':
      return encode(x[0]!, e.dtype);
    case 'checked':
      return `${x[0]} i32.const ${e.bound} i32.ge_u if ${x[0]} i32.const ${e.bound} i32.const ${scope.whatIndex(e.what)} call $${OUT_OF_RANGE} end ${x[0]}`;
    case 'where':
      return `${x[1]} ${x[2]} ${x[0]} select`;
    case 'cast': {
      const value = convert(x[0]!, e.from, e.to);
      const narrowFloat = e.type === 'f32' && e.to !== 'f32';
      return narrowFloat ? `${encode(value, e.to, e.mode ?? 'saturate')} ${decodeCode(e.to)}` : value;
    }
    default: {
      const t = ELEMENTWISE[e.kind]?.[classOfExpr(e.args[0]!)];
      if (!t) throw new Error(`render-wasm: no instructions for ${e.kind} on ${e.args[0]?.type}`);
      return t(...x);
    }
  }
}

/** Decodes the i32 code on the stack of narrow float `d` to its f32 value. */
function decodeCode(d: DType): string {
  if (d === 'bf16') return 'i32.const 16 i32.shl f32.reinterpret_i32';
  if (d === 'f16') return `call $${F16_DECODE} f32.demote_f64`;
  if (isFp8(d)) return fp8Decode(d);
  throw new Error(`render-wasm: ${d} is not a narrow float dtype to decode`);
}

function wasmSyntax(scope: KernelScope): Syntax {
  return {
    expr: (e, a) => exprCode(e, a, scope),
    literal: (e) => (e.type === 'f32' ? `f32.const ${floatLiteral(e.value)}` : `i32.const ${e.value}`),
    declare: (name, value, e) => {
      scope.local(name, valType(e));
      return `${value} local.set $${name}`;
    },
    loop: (v, extent) => {
      scope.local(v, 'i32');
      return `i32.const 0 local.set $${v} block loop local.get $${v} i32.const ${extent} i32.ge_s br_if 1`;
    },
    close: (v) => `local.get $${v} i32.const 1 i32.add local.set $${v} br 0 end end`,
    param: (name) => `local.get $p${scope.kernel.params.indexOf(name)}`,
  };
}

/** A NestWriter for WebAssembly, plus the statements kernels need. */
export class WasmWriter extends NestWriter {
  constructor(readonly scope: KernelScope) {
    super(wasmSyntax(scope));
  }

  /** Sets accumulator `j` (local `a<j>`) to the value of `code` at the current depth. */
  defineAcc(j: number, code: string, type: ValType): void {
    this.scope.local(accName(j), type);
    this.line(`${code} local.set $${accName(j)}`);
    this.definedAcc(j);
  }

  stores(stores: readonly Store[], outputDTypes: readonly DType[]): void {
    for (const s of stores) {
      const d = outputDTypes[s.output]!;
      const [at, value] = [address(`out${s.output}`, this.name(s.index), d), get(this.name(s.value))];
      if (s.bits) this.line(`${at} ${value} ${storeCode(d)}`);
      else if (d === 'f32') this.line(`${at} ${value} f32.store`);
      // Stored values are already rounded to the dtype (or ±inf/NaN), which the non-saturating encoding keeps.
      else if (isFloat(d)) this.line(`${at} ${encode(value, d)} ${storeCode(d)}`);
      else this.line(`${at} ${value} ${storeCode(d)}`);
    }
  }

  /** Accumulator `j` over `loops`: float sums in float64 in loop order, rounded once, like the CPU backend. */
  accumulate(j: number, acc: Accumulator, loops: readonly Loop[]): void {
    const float = acc.type === 'f32';
    const sum = `s${j}`;
    this.scope.local(sum, acc.op === 'sum' && float ? 'f64' : float ? 'f32' : 'i32');
    const init = acc.op === 'sum' ? (float ? 'f64.const 0' : 'i32.const 0') : float ? `f32.const ${acc.op === 'max' ? '-inf' : 'inf'}` : `i32.const ${acc.op === 'max' ? -2147483648 : 2147483647}`;
    this.declare([acc.value]);
    this.line(`${init} local.set $${sum}`);
    this.nest(loops, [acc.value], () => {
      const x = get(this.name(acc.value));
      const s = `local.get $${sum}`;
      const step =
        acc.op === 'sum' ? (float ? `${s} ${x} f64.promote_f32 f64.add` : `${s} ${x} i32.add`)
        : float ? `${s} ${x} f32.${acc.op}`
        : ELEMENTWISE[acc.op]!.i32!(s, x);
      this.line(`${step} local.set $${sum}`);
    });
    // Narrow results round to odd in f32 here, so the later rounding to their dtype equals one rounding of the sum.
    const final = acc.op !== 'sum' || !float ? `local.get $${sum}` : acc.dtype === 'f32' ? `local.get $${sum} f32.demote_f64` : `local.get $${sum} call $round_to_odd f32.demote_f64`;
    this.defineAcc(j, final, float ? 'f32' : 'i32');
  }
}
