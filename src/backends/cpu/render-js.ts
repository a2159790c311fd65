// Renders kernel-IR bodies as JavaScript loop nests. Each distinct subexpression becomes one `const`, placed in
// the outermost loop whose variables it uses (so loop-invariant work is hoisted). Scalar semantics come from
// scalar-js.ts, the one table the op-by-op reference kernels use too.

import { formatNumber } from '../../ir/index.js';
import { topoOrder, type Expr } from '../../compiler/expr.js';
import { varKey } from '../../compiler/affine.js';
import type { Accumulator, Store } from '../../compiler/kernel.js';
import { castTemplate, ELEMENTWISE, loadTemplate, storeTemplate, type ComputeClass } from './scalar-js.js';

export interface Loop {
  /** "idx0", "ridx1", ... */
  readonly key: string;
  readonly extent: number;
}

const varName = (key: string): string => key.replace('ridx', 'r').replace('idx', 'i');

function literal(e: Expr & { kind: 'const' }): string {
  if (e.type !== 'f32') return String(e.value);
  const t = formatNumber(e.value);
  return t === 'nan' ? 'NaN' : t === 'inf' ? 'Infinity' : t === '-inf' ? '-Infinity' : t === '-0' ? '-0' : t;
}

const cls = (e: Expr): ComputeClass => (e.type === 'f32' ? 'float' : e.type);

/** The JavaScript for one expression node, given its operands' names. */
function exprSource(e: Expr, a: readonly string[]): string {
  switch (e.kind) {
    case 'load':
      return loadTemplate(e.dtype)(`in${e.input}[${a[0]}]`);
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

/** Writes one kernel function body: names subexpressions, tracks which loop level each belongs to. */
export class JsWriter {
  readonly lines: string[] = [];
  private readonly names = new Map<Expr, string>();
  private readonly frames: Expr[][] = [[]];
  private readonly levels = new Map<Expr, number>();
  private readonly varLevel = new Map<string, number>();
  /** The loop depth at which each accumulator's final value was defined. */
  private readonly accLevel = new Map<number, number>();
  private count = 0;
  private indent = '  ';

  /** The name or literal text of an expression that is declared (or needs no declaration). */
  name(e: Expr): string {
    const key = varKey(e);
    if (key) return varName(key);
    if (e.kind === 'const') return literal(e);
    if (e.kind === 'param') return `p_${e.name}`;
    if (e.kind === 'acc') return `a${e.index}`;
    const n = this.names.get(e);
    if (n === undefined) throw new Error(`render-js: expression used before it is declared`);
    return n;
  }

  line(text: string): void {
    this.lines.push(this.indent + text);
  }

  private level(e: Expr): number {
    let l = this.levels.get(e);
    if (l === undefined) {
      const key = varKey(e);
      if (key) {
        // A variable whose loop is not open yet cannot be declared at any current level.
        l = this.varLevel.get(key) ?? Infinity;
      } else if (e.kind === 'acc') {
        l = this.accLevel.get(e.index) ?? Infinity;
      } else {
        l = Math.max(0, ...e.args.map((x) => this.level(x)));
      }
      this.levels.set(e, l);
    }
    return l;
  }

  /** Declares every undeclared subexpression of `roots` whose loop level is at most `upTo`. */
  declare(roots: readonly Expr[], upTo: number): void {
    for (const e of topoOrder(roots)) {
      if (this.names.has(e) || varKey(e) || e.kind === 'const' || e.kind === 'param' || e.kind === 'acc') continue;
      if (this.level(e) > upTo) continue;
      const n = `t${this.count++}`;
      this.line(`const ${n} = ${exprSource(e, e.args.map((x) => this.name(x)))};`);
      this.names.set(e, n);
      this.frames[this.frames.length - 1]!.push(e);
    }
  }

  /** Opens loops over `loops`, declaring at each depth what `roots` need there, then runs `inner`. */
  nest(loops: readonly Loop[], roots: readonly Expr[], inner: () => void): void {
    const base = this.varLevel.size;
    loops.forEach((l, i) => this.varLevel.set(l.key, base + i + 1));
    this.levels.clear();
    for (const [i, l] of loops.entries()) {
      const v = varName(l.key);
      this.line(`for (let ${v} = 0; ${v} < ${l.extent}; ${v}++) {`);
      this.indent += '  ';
      this.frames.push([]);
      this.declare(roots, base + i + 1);
    }
    inner();
    for (const l of [...loops].reverse()) {
      for (const e of this.frames.pop()!) this.names.delete(e);
      this.indent = this.indent.slice(2);
      this.line('}');
      this.varLevel.delete(l.key);
    }
    this.levels.clear();
  }

  /** Declares accumulator `j` (`a<j>`) with the given JavaScript value at the current depth. */
  defineAcc(j: number, value: string): void {
    this.line(`const a${j} = ${value};`);
    this.accLevel.set(j, this.depth);
    this.levels.clear();
  }

  /** The current loop depth (number of open loop variables). */
  get depth(): number {
    return this.varLevel.size;
  }

  stores(stores: readonly Store[], outputDTypes: readonly string[]): void {
    for (const s of stores) {
      const value = this.name(s.value);
      const dtype = outputDTypes[s.output]!;
      // Stored values are already rounded to the dtype (or ±inf/NaN), which the non-saturating encoder keeps.
      this.line(`out${s.output}[${this.name(s.index)}] = ${storeTemplate(dtype as never, 'torch')(value)};`);
    }
  }

  accumulate(j: number, acc: Accumulator, loops: readonly Loop[]): void {
    const init = acc.op === 'sum' ? '0' : acc.op === 'max' ? (acc.type === 'f32' ? '-Infinity' : '-2147483648') : acc.type === 'f32' ? 'Infinity' : '2147483647';
    this.declare([acc.value], this.depth);
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
