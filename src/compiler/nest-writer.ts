// What every renderer of the kernel IR needs: loop nests in which each distinct subexpression is declared once, in
// the outermost loop whose variables it uses (so loop-invariant work is hoisted), and forgotten when its loop
// closes. A renderer supplies only its language (`Syntax`); this file is the shared C-style skeleton.

import type { DType } from '../ir/index.js';
import { topoOrder, type Expr } from './expr.js';
import { varKey } from './affine.js';
import type { Accumulator, MapBody, ReduceBody, Store } from './kernel.js';

export interface Loop {
  /** "idx0", "ridx1", ... */
  readonly key: string;
  readonly extent: number;
}

export interface Syntax {
  /** Source of one expression node, given its operands' names. */
  expr(e: Expr, args: readonly string[]): string;
  /** Source of a constant. */
  literal(e: Expr & { kind: 'const' }): string;
  /** A declaration statement of `name` holding `value` (the expression `e`). */
  declare(name: string, value: string, e: Expr): string;
  /** The opening line of a loop of `name` over 0..extent-1. */
  loop(name: string, extent: number): string;
  /** The closing line of the loop of `name` (default "}"). */
  close?(name: string): string;
  /** The name of a runtime parameter. */
  param(name: string): string;
}

/** "idx0" -> "i0", "ridx1" -> "r1". */
export const loopVarName = (key: string): string => key.replace('ridx', 'r').replace('idx', 'i');

export const accName = (j: number): string => `a${j}`;

export const loops = (prefix: 'idx' | 'ridx', shape: readonly number[], from = 0): Loop[] => shape.map((extent, i) => ({ key: `${prefix}${from + i}`, extent }));

export class NestWriter {
  readonly lines: string[] = [];
  private readonly names = new Map<Expr, string>();
  private readonly frames: Expr[][] = [[]];
  private readonly levels = new Map<Expr, number>();
  private readonly varLevel = new Map<string, number>();
  /** The loop depth at which each accumulator's final value was defined. */
  private readonly accLevel = new Map<number, number>();
  private count = 0;
  private indent: string;

  constructor(
    private readonly syntax: Syntax,
    indent = '  ',
    /** Loop variables in scope from the start (function parameters), at depth 0. */
    given: readonly string[] = [],
  ) {
    this.indent = indent;
    for (const key of given) this.varLevel.set(key, 0);
  }

  /** The name or literal text of an expression that is declared (or needs no declaration). */
  name(e: Expr): string {
    const key = varKey(e);
    if (key) return loopVarName(key);
    if (e.kind === 'const') return this.syntax.literal(e);
    if (e.kind === 'param') return this.syntax.param(e.name);
    if (e.kind === 'acc') return accName(e.index);
    const n = this.names.get(e);
    if (n === undefined) throw new Error(`kernel renderer: expression ${e.kind} used before it is declared`);
    return n;
  }

  line(text: string): void {
    this.lines.push(this.indent + text);
  }

  private level(e: Expr): number {
    let l = this.levels.get(e);
    if (l === undefined) {
      const key = varKey(e);
      // A variable whose loop is not open yet (or an accumulator not yet final) cannot be declared yet.
      if (key) l = this.varLevel.get(key) ?? Infinity;
      else if (e.kind === 'acc') l = this.accLevel.get(e.index) ?? Infinity;
      else l = Math.max(0, ...e.args.map((x) => this.level(x)));
      this.levels.set(e, l);
    }
    return l;
  }

  /** Declares every undeclared subexpression of `roots` whose loop level is at most `upTo` (default: here). */
  declare(roots: readonly Expr[], upTo = this.depth): void {
    for (const e of topoOrder(roots)) {
      if (this.names.has(e) || varKey(e) || e.kind === 'const' || e.kind === 'param' || e.kind === 'acc') continue;
      if (this.level(e) > upTo) continue;
      const n = `t${this.count++}`;
      this.line(this.syntax.declare(n, this.syntax.expr(e, e.args.map((x) => this.name(x))), e));
      this.names.set(e, n);
      this.frames[this.frames.length - 1]!.push(e);
    }
  }

  /** Opens loops over `loops`, declaring at each depth what `roots` need there, then runs `inner`. */
  nest(loops: readonly Loop[], roots: readonly Expr[], inner: () => void): void {
    const base = this.depth;
    loops.forEach((l, i) => this.varLevel.set(l.key, base + i + 1));
    this.levels.clear();
    for (const [i, l] of loops.entries()) {
      this.line(this.syntax.loop(loopVarName(l.key), l.extent));
      this.indent += '  ';
      this.frames.push([]);
      this.declare(roots, base + i + 1);
    }
    inner();
    for (const l of [...loops].reverse()) {
      for (const e of this.frames.pop()!) this.names.delete(e);
      this.indent = this.indent.slice(2);
      this.line(this.syntax.close?.(loopVarName(l.key)) ?? '}');
      this.varLevel.delete(l.key);
    }
    this.levels.clear();
  }

  /** Records that accumulator `j` (named `a<j>`) has just been defined by the renderer at the current depth. */
  definedAcc(j: number): void {
    this.accLevel.set(j, this.depth);
    this.levels.clear();
  }

  /** The current loop depth (number of open loop variables). */
  get depth(): number {
    let d = 0;
    for (const l of this.varLevel.values()) d = Math.max(d, l);
    return d;
  }
}

/** A NestWriter that also writes one language's stores and accumulators (the CPU's JavaScript, WebAssembly). */
export interface BodyWriter extends NestWriter {
  stores(stores: readonly Store[], outputDTypes: readonly DType[]): void;
  accumulate(j: number, acc: Accumulator, loops: readonly Loop[]): void;
}

/** The loop nests of a map or reduce body (spec/kernel-ir.md), in any language. */
export function writeMapOrReduce(w: BodyWriter, b: MapBody | ReduceBody, outDTypes: readonly DType[]): void {
  if (b.kind === 'map') {
    const roots = b.stores.flatMap((s) => [s.index, s.value]);
    w.declare(roots, 0);
    w.nest(loops('idx', b.shape), roots, () => w.stores(b.stores, outDTypes));
    return;
  }
  const stores = b.stores.flatMap((s) => [s.index, s.value]);
  const rows = b.rowStores.flatMap((s) => [s.index, s.value]);
  w.nest(loops('idx', b.shape), [], () => {
    b.accumulators.forEach((acc, j) => w.accumulate(j, acc, loops('ridx', b.rshape)));
    w.declare(stores);
    w.stores(b.stores, outDTypes);
    if (rows.length) {
      w.declare(rows);
      w.nest(loops('ridx', b.rshape), rows, () => w.stores(b.rowStores, outDTypes));
    }
  });
}
