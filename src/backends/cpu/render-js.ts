// Renders kernel-IR expressions and statements as JavaScript, on the shared loop-nest skeleton
// (compiler/nest-writer.ts). Scalar semantics come from scalar-js.ts, the one table the op-by-op reference kernels
// use too.

import { formatNumber, type DType } from '../../ir/index.js';
import type { Expr } from '../../compiler/expr.js';
import type { Accumulator, Store } from '../../compiler/kernel.js';
import { accName, NestWriter, type Loop, type Syntax } from '../../compiler/nest-writer.js';
import { castTemplate, codeTemplate, ELEMENTWISE, loadTemplate, storeTemplate, type ComputeClass } from '../reference/scalar-js.js';

/** A constant as JavaScript; a negative one in parentheses, so that an operator before it (neg: `-`) stays one. */
function literal(e: Expr & { kind: 'const' }): string {
  const t = e.type !== 'f32' ? String(e.value) : formatNumber(e.value);
  const js = t === 'nan' ? 'NaN' : t === 'inf' ? 'Infinity' : t === '-inf' ? '-Infinity' : t;
  return js.startsWith('-') ? `(${js})` : js;
}

const cls = (e: Expr): ComputeClass => (e.type === 'f32' ? 'float' : e.type);

/**
 * The array holding the codes of buffer `name` (an f32 one through an Int32Array view of its memory, which generated
 * kernels declare as `<name>_bits` when they use it).
 */
const codesOf = (name: string, dtype: DType, views: Set<string>): string => {
  if (dtype !== 'f32') return name;
  views.add(name);
  return `${name}_bits`;
};

/** The JavaScript for one expression node, given its operands' names; f32 buffers read as codes join `views`. */
function exprSource(e: Expr, a: readonly string[], views: Set<string>): string {
  switch (e.kind) {
    case 'load':
      return e.bits ? `${codesOf(`in${e.input}`, e.dtype, views)}[${a[0]}]` : loadTemplate(e.dtype)(`in${e.input}[${a[0]}]`);
    case 'encode':
      return codeTemplate(e.dtype)(a[0]!);
    case 'checked':
      return `(${a[0]} >= 0 && ${a[0]} < ${e.bound} ? ${a[0]} : outOfRange(${a[0]}, ${e.bound}, ${JSON.stringify(e.what)}))`;
    case 'where':
      return `(${a[0]} !== 0 ? ${a[1]} : ${a[2]})`;
    case 'cast': {
      const x = castTemplate(e.from, e.to)(a[0]!);
      const narrowFloat = e.type === 'f32' && e.to !== 'f32';
      return narrowFloat ? loadTemplate(e.to)(storeTemplate(e.to, e.mode ?? 'saturate')(x)) : x;
    }
    case 'neg':
      return e.type === 'f32' ? `(-${a[0]})` : `(-${a[0]} | 0)`;
    case 'abs':
      return e.type === 'f32' ? `Math.abs(${a[0]})` : `(Math.abs(${a[0]}) | 0)`;
    default: {
      const t = ELEMENTWISE[e.kind]?.[cls(e.args[0]!)];
      if (!t) throw new Error(`render-js: no template for ${e.kind} on ${e.args[0]?.type}`);
      return t(...a);
    }
  }
}

const jsSyntax = (views: Set<string>): Syntax => ({
  expr: (e, a) => exprSource(e, a, views),
  literal,
  declare: (name, value) => `const ${name} = ${value};`,
  loop: (v, extent) => `for (let ${v} = 0; ${v} < ${extent}; ${v}++) {`,
  param: (name) => `p_${name}`,
});

/** A NestWriter for JavaScript, plus the statements only JavaScript kernels need. */
export class JsWriter extends NestWriter {
  constructor(
    /** The f32 buffers (`in0`, `out1`, ...) whose codes the kernel reads or writes through an Int32Array view. */
    readonly bitViews = new Set<string>(),
    /** Loop variables the caller's own code has in scope around the writer's lines. */
    given: readonly string[] = [],
  ) {
    super(jsSyntax(bitViews), '  ', given);
  }

  /** Declares accumulator `j` with the given JavaScript value at the current depth. */
  defineAcc(j: number, value: string): void {
    this.line(`const ${accName(j)} = ${value};`);
    this.definedAcc(j);
  }

  stores(stores: readonly Store[], outputDTypes: readonly DType[]): void {
    for (const s of stores) {
      const [dtype, index, value] = [outputDTypes[s.output]!, this.name(s.index), this.name(s.value)];
      if (s.bits) this.line(`${codesOf(`out${s.output}`, dtype, this.bitViews)}[${index}] = ${value};`);
      // Stored values are already rounded to the dtype (or ±inf/NaN), which the non-saturating encoder keeps.
      else this.line(`out${s.output}[${index}] = ${storeTemplate(dtype, 'torch')(value)};`);
    }
  }

  accumulate(j: number, acc: Accumulator, loops: readonly Loop[]): void {
    const init = acc.op === 'sum' ? '0' : acc.op === 'max' ? (acc.type === 'f32' ? '-Infinity' : '-2147483648') : acc.type === 'f32' ? 'Infinity' : '2147483647';
    this.declare([acc.value]);
    this.line(`let s${j} = ${init};`);
    this.nest(loops, [acc.value], () => {
      const x = this.name(acc.value);
      const step = acc.op === 'sum' ? (acc.type === 'f32' ? `s${j} + ${x}` : `(s${j} + ${x}) | 0`) : `Math.${acc.op}(s${j}, ${x})`;
      this.line(`s${j} = ${step};`);
    });
    // Float sums run in float64 and round once, like the reference kernels: narrow results round to odd in f32
    // here, so the later rounding to their dtype equals a single rounding of the float64 sum.
    this.defineAcc(j, acc.op !== 'sum' || acc.type !== 'f32' ? `s${j}` : acc.dtype === 'f32' ? `Math.fround(s${j})` : `roundToOddF32(s${j})`);
  }
}
