// Scalar expressions: what one element of a kernel computes. Expressions form a hash-consed DAG (equal
// expressions are the same object), so renderers emit each shared subexpression once and passes compare
// index expressions by identity. Integer (index) arithmetic is simplified as it is built, using value bounds.
//
// Compute types are f32, i32 and bool: narrow floats are f32 values already rounded to their dtype (a `cast`
// to bf16 yields an f32), u8 values are i32s in 0..255.

import { elementwiseDef, evaluateElementwise, isFloat, type BinaryOpName, type DType, type ElementwiseDef, type ElementwiseOpName, type FloatDType, type UnaryOpName } from '../ir/index.js';
import { storageCode } from '../numerics/index.js';

export type ScalarType = 'f32' | 'i32' | 'bool';

export const computeType = (d: DType): ScalarType => (isFloat(d) ? 'f32' : d === 'bool' ? 'bool' : 'i32');

export type Expr =
  | ExprBase<'const'> & { readonly value: number }
  /** Loop variable: `idx` ranges over the kernel's index space, `ridx` over its reduction space. */
  | ExprBase<'idx' | 'ridx'> & { readonly axis: number }
  /** A runtime i32 scalar (kernel parameter). */
  | ExprBase<'param'> & { readonly name: string }
  /**
   * Element `args[0]` (a flat i32 index) of kernel input `input`, converted from `dtype` to the compute type — or,
   * with `bits`, its storage code as an i32 (moves.ts).
   */
  | ExprBase<'load'> & { readonly input: number; readonly dtype: DType; readonly bits?: true }
  /** The storage code (an i32) of the float value `args[0]` in float dtype `dtype`; the value is representable. */
  | ExprBase<'encode'> & { readonly dtype: DType }
  /** The value of accumulator `index` (reductions and contractions). */
  | ExprBase<'acc'> & { readonly index: number }
  /** `args[0]` if it lies in [0, bound), else the run fails with an error naming `what`. */
  | ExprBase<'checked'> & { readonly bound: number; readonly what: string }
  | ExprBase<ElementwiseOpName | 'where'>
  /** Converts `args[0]` from dtype `from` to dtype `to` with the semantics of the IR's cast. */
  | ExprBase<'cast'> & { readonly from: DType; readonly to: DType; readonly mode?: 'saturate' | 'torch' };

interface ExprBase<K extends string> {
  readonly kind: K;
  readonly id: number;
  readonly type: ScalarType;
  readonly args: readonly Expr[];
  /** Inclusive bounds of an i32 expression (±Infinity when unknown or not an integer). */
  readonly min: number;
  readonly max: number;
}

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;

/** The entry of an op the expression builder is asked for (its name is typed, so it exists). */
const entry = (op: ElementwiseOpName): ElementwiseDef => elementwiseDef(op)!;

/** The operands in canonical order: by id when the op is commutative, so equal expressions intern as one. */
const ordered = (def: ElementwiseDef, a: Expr, b: Expr): Expr[] => (def.algebra.commutative && a.id > b.id ? [b, a] : [a, b]);

/** Builds expressions for one kernel: interns them and knows the extents of its loop variables. */
export class ExprContext {
  private readonly table = new Map<string, Expr>();
  private nextId = 0;

  constructor(
    /** Extents of the `idx` variables. */
    readonly shape: readonly number[],
    /** Extents of the `ridx` variables. */
    readonly rshape: readonly number[] = [],
  ) {}

  private intern<E extends Expr>(key: string, make: (id: number) => E): E {
    const found = this.table.get(key);
    if (found) return found as E;
    const e = make(this.nextId++);
    this.table.set(key, e);
    return e;
  }

  const(value: number, type: ScalarType): Expr {
    const v = type === 'f32' ? Math.fround(value) : type === 'bool' ? Number(value !== 0) : value | 0;
    const key = `c:${type}:${Object.is(v, -0) ? '-0' : String(v)}`;
    const bound = type === 'f32' ? { min: -Infinity, max: Infinity } : { min: v, max: v };
    return this.intern(key, (id) => ({ kind: 'const', id, type, args: [], value: v, ...bound }));
  }

  idx(axis: number): Expr {
    return this.loopVar('idx', axis, this.shape[axis]);
  }

  ridx(axis: number): Expr {
    return this.loopVar('ridx', axis, this.rshape[axis]);
  }

  private loopVar(kind: 'idx' | 'ridx', axis: number, extent: number | undefined): Expr {
    if (extent === undefined) throw new Error(`${kind} axis ${axis} out of range`);
    if (extent === 1) return this.const(0, 'i32');
    return this.intern(`${kind}:${axis}`, (id) => ({ kind, id, type: 'i32' as const, args: [], axis, min: 0, max: extent - 1 }));
  }

  param(name: string): Expr {
    return this.intern(`p:${name}`, (id) => ({ kind: 'param', id, type: 'i32' as const, args: [], name, min: I32_MIN, max: I32_MAX }));
  }

  acc(index: number, type: ScalarType): Expr {
    return this.intern(`a:${index}:${type}`, (id) => ({ kind: 'acc', id, type, args: [], index, min: -Infinity, max: Infinity }));
  }

  load(input: number, dtype: DType, index: Expr): Expr {
    const type = computeType(dtype);
    const [min, max] = dtype === 'u8' ? [0, 255] : dtype === 'bool' ? [0, 1] : dtype === 'i32' ? [I32_MIN, I32_MAX] : [-Infinity, Infinity];
    return this.intern(`l:${input}:${dtype}:${index.id}`, (id) => ({ kind: 'load', id, type, args: [index], input, dtype, min, max }));
  }

  /** The storage code of a float element, as an i32 (f32: its bit pattern). */
  loadBits(input: number, dtype: DType, index: Expr): Expr {
    return this.intern(`lb:${input}:${dtype}:${index.id}`, (id) => ({ kind: 'load', id, type: 'i32' as const, args: [index], input, dtype, bits: true as const, min: I32_MIN, max: I32_MAX }));
  }

  /** The storage code of float value `x` in float dtype `dtype` (constants encode as they are built). */
  encode(x: Expr, dtype: DType): Expr {
    if (x.kind === 'const') return this.const(storageCode(x.value, dtype as FloatDType), 'i32');
    return this.intern(`e:${dtype}:${x.id}`, (id) => ({ kind: 'encode', id, type: 'i32' as const, args: [x], dtype, min: I32_MIN, max: I32_MAX }));
  }

  checked(value: Expr, bound: number, what: string): Expr {
    if (value.min >= 0 && value.max < bound) return value;
    return this.intern(`k:${bound}:${what}:${value.id}`, (id) => ({
      kind: 'checked',
      id,
      type: 'i32' as const,
      args: [value],
      bound,
      what,
      min: 0,
      max: bound - 1,
    }));
  }

  cast(x: Expr, from: DType, to: DType, mode?: 'saturate' | 'torch'): Expr {
    if (from === to && mode === undefined) return x;
    // A narrow float's compute value is an exact f32, so widening is free and narrowing rounds from it.
    if (isFloat(from) && isFloat(to)) {
      if (to === 'f32') return x;
      from = 'f32';
    }
    const type = computeType(to);
    if (x.kind === 'const' && (to === 'f32' || to === 'i32') && (from === 'i32' || from === 'u8' || from === 'bool'))
      return this.const(x.value, type);
    let [min, max] = [-Infinity, Infinity];
    if (to === 'bool') [min, max] = [0, 1];
    else if (to === 'u8') [min, max] = [0, 255];
    else if (to === 'i32') [min, max] = x.type === 'f32' ? [I32_MIN, I32_MAX] : [x.min, x.max];
    const key = `cast:${from}:${to}:${mode ?? ''}:${x.id}`;
    return this.intern(key, (id) => ({ kind: 'cast', id, type, args: [x], from, to, ...(mode ? { mode } : {}), min, max }));
  }

  unary(op: UnaryOpName, x: Expr): Expr {
    const def = entry(op);
    // i32 and bool constants fold: their results are exact on every backend (a float's depend on its rounding).
    if (x.kind === 'const' && x.type !== 'f32') return this.const(evaluateElementwise(def, x.type, [x.value]), x.type);
    if (def.algebra.involution && x.kind === op) return x.args[0]!;
    const bounds =
      x.type === 'i32' && op === 'neg' && x.min > I32_MIN
        ? { min: -x.max, max: -x.min }
        : x.type === 'bool'
          ? { min: 0, max: 1 }
          : { min: -Infinity, max: Infinity };
    return this.node(op, x.type, [x], bounds);
  }

  binary(op: BinaryOpName, a: Expr, b: Expr): Expr {
    if (a.type !== b.type) throw new Error(`expr ${op}: operand types differ (${a.type}, ${b.type})`);
    const def = entry(op);
    if (def.algebra.overIntervals) return this.compare(op, def, a, b);
    if (a.type === 'i32') return this.intBinary(op, def, a, b);
    return this.byAlgebra(op, def, a, b);
  }

  where(c: Expr, a: Expr, b: Expr): Expr {
    if (c.kind === 'const') return c.value ? a : b;
    if (a === b) return a;
    return this.node('where', a.type, [c, a, b], { min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) });
  }

  // Convenience for index arithmetic.
  add = (a: Expr, b: Expr): Expr => this.binary('add', a, b);
  mul = (a: Expr, b: Expr): Expr => this.binary('mul', a, b);
  int = (v: number): Expr => this.const(v, 'i32');
  /** Clamps an i32 expression into [lo, hi] (a no-op when its bounds already fit). */
  clamp = (x: Expr, lo: number, hi: number): Expr => this.binary('min', this.binary('max', x, this.int(lo)), this.int(hi));

  private node(kind: ElementwiseOpName | 'where', type: ScalarType, args: readonly Expr[], bounds: { min: number; max: number }): Expr {
    const key = `${kind}:${type}:${args.map((a) => a.id).join(',')}`;
    return this.intern(key, (id) => ({ kind, id, type, args, ...bounds }) as Expr);
  }

  private compare(op: BinaryOpName, def: ElementwiseDef, a: Expr, b: Expr): Expr {
    if (a.type !== 'f32') {
      // Integers have no NaN, so a value compared with itself has one answer; else decide from the value bounds.
      const known = a === b ? def.scalar.exact!(0, 0) === 1 : def.algebra.overIntervals!([a.min, a.max], [b.min, b.max]);
      if (known !== undefined) return this.const(Number(known), 'bool');
    } else if (a.kind === 'const' && b.kind === 'const') {
      return this.const(def.scalar.exact!(a.value, b.value), 'bool');
    }
    return this.node(op, 'bool', ordered(def, a, b), { min: 0, max: 1 });
  }

  /** A float or bool op: identities, absorbing elements and idempotence hold for every value, NaN and ±0 included. */
  private byAlgebra(op: BinaryOpName, def: ElementwiseDef, a: Expr, b: Expr): Expr {
    const { identity, absorbing, idempotent } = def.algebra;
    const is = (e: Expr, v: number | undefined) => v !== undefined && e.kind === 'const' && Object.is(e.value, v);
    if (is(b, identity?.value)) return a;
    if (identity?.left && is(a, identity.value)) return b;
    if (is(a, absorbing)) return a;
    if (is(b, absorbing)) return b;
    if (idempotent && a === b) return a;
    const bounds = a.type === 'bool' ? { min: 0, max: 1 } : { min: -Infinity, max: Infinity };
    return this.node(op, a.type, ordered(def, a, b), bounds);
  }

  private intBinary(op: BinaryOpName, def: ElementwiseDef, a: Expr, b: Expr): Expr {
    if (op === 'add' || op === 'sub' || op === 'mul') {
      const lin = linearOf([a, b], op);
      if (lin) return this.fromLinear(lin);
    }
    if (a.kind === 'const' && b.kind === 'const') return this.const(evaluateElementwise(def, 'i32', [a.value, b.value]), 'i32');
    if (op === 'div' && b.kind === 'const' && b.value > 0) return this.divConst(a, b.value);
    if (op === 'mod' && b.kind === 'const' && b.value > 0) return this.modConst(a, b.value);
    if (op === 'max') {
      if (a.min >= b.max) return a;
      if (b.min >= a.max) return b;
    }
    if (op === 'min') {
      if (a.max <= b.min) return a;
      if (b.max <= a.min) return b;
    }
    const bounds =
      op === 'max' ? { min: Math.max(a.min, b.min), max: Math.max(a.max, b.max) }
      : op === 'min' ? { min: Math.min(a.min, b.min), max: Math.min(a.max, b.max) }
      : { min: I32_MIN, max: I32_MAX };
    return this.node(op, 'i32', ordered(def, a, b), bounds);
  }

  /** (Σ cᵢ·xᵢ + k) / d for d > 0 and a non-negative numerator: terms divisible by d leave the division. */
  private divConst(a: Expr, d: number): Expr {
    if (d === 1) return a;
    if (a.min >= 0) {
      if (a.max < d) return this.int(0);
      const lin = linearOf([a], 'add')!;
      const outside = new Map<Expr, number>();
      const inside = new Map<Expr, number>();
      for (const [x, c] of lin.terms) (c % d === 0 ? outside : inside).set(x, c % d === 0 ? c / d : c);
      const kOut = Math.floor(lin.constant / d);
      const rest = this.fromLinear({ terms: inside, constant: lin.constant - kOut * d });
      if (outside.size > 0 || kOut !== 0) {
        if (rest.min >= 0) return this.add(this.fromLinear({ terms: outside, constant: kOut }), this.divConst(rest, d));
      }
      if (a.kind === 'div' && a.args[1]!.kind === 'const' && a.args[0]!.min >= 0) return this.divConst(a.args[0]!, d * (a.args[1] as { value: number }).value);
      return this.node('div', 'i32', [a, this.int(d)], { min: Math.floor(a.min / d), max: Math.floor(a.max / d) });
    }
    return this.node('div', 'i32', [a, this.int(d)], { min: -Math.abs(a.min), max: Math.abs(a.max) });
  }

  private modConst(a: Expr, d: number): Expr {
    if (d === 1) return this.int(0);
    if (a.min >= 0) {
      if (a.max < d) return a;
      const lin = linearOf([a], 'add')!;
      const inside = new Map<Expr, number>();
      for (const [x, c] of lin.terms) if (c % d !== 0) inside.set(x, c % d);
      const rest = this.fromLinear({ terms: inside, constant: ((lin.constant % d) + d) % d });
      if (rest !== a && rest.min >= 0) return this.modConst(rest, d);
      return this.node('mod', 'i32', [a, this.int(d)], { min: 0, max: Math.min(d - 1, a.max) });
    }
    return this.node('mod', 'i32', [a, this.int(d)], { min: -(d - 1), max: d - 1 });
  }

  /** Rebuilds a canonical sum Σ cᵢ·xᵢ + k (terms ordered by id) with bounds. */
  private fromLinear(lin: Linear): Expr {
    const terms = [...lin.terms].filter(([, c]) => c !== 0).sort(([x], [y]) => x.id - y.id);
    let acc: Expr | undefined;
    let [min, max] = [lin.constant, lin.constant];
    for (const [x, c] of terms) {
      const term = c === 1 ? x : this.node('mul', 'i32', [x, this.int(c)], c > 0 ? { min: x.min * c, max: x.max * c } : { min: x.max * c, max: x.min * c });
      min += term.min;
      max += term.max;
      acc = acc ? this.node('add', 'i32', [acc, term], { min: acc.min + term.min, max: acc.max + term.max }) : term;
    }
    if (!acc) return this.int(lin.constant);
    if (lin.constant !== 0) acc = this.node('add', 'i32', [acc, this.int(lin.constant)], { min, max });
    const safe = min >= I32_MIN && max <= I32_MAX;
    return safe ? acc : { ...acc, min: I32_MIN, max: I32_MAX };
  }
}

interface Linear {
  readonly terms: Map<Expr, number>;
  readonly constant: number;
}

/** The affine form Σ cᵢ·xᵢ + k of an i32 add/sub/mul of its operands, or undefined when it is not affine. */
function linearOf(operands: readonly Expr[], op: BinaryOpName): Linear | undefined {
  const of = (e: Expr): Linear => {
    if (e.kind === 'const') return { terms: new Map(), constant: e.value };
    if (e.kind === 'add' || e.kind === 'sub' || e.kind === 'mul') {
      const inner = linearOf(e.args, e.kind);
      if (inner) return inner;
    }
    return { terms: new Map([[e, 1]]), constant: 0 };
  };
  if (op === 'mul') {
    const [a, b] = operands.map(of) as [Linear, Linear];
    const [scalar, other] = a.terms.size === 0 ? [a.constant, b] : b.terms.size === 0 ? [b.constant, a] : [undefined, undefined];
    if (scalar === undefined || !other) return undefined;
    return { terms: new Map([...other.terms].map(([x, c]) => [x, c * scalar])), constant: other.constant * scalar };
  }
  const sign = op === 'sub' ? -1 : 1;
  const result = { terms: new Map<Expr, number>(), constant: 0 };
  operands.forEach((e, i) => {
    const l = of(e);
    const s = i === 0 ? 1 : sign;
    result.constant += s * l.constant;
    for (const [x, c] of l.terms) result.terms.set(x, (result.terms.get(x) ?? 0) + s * c);
  });
  return result;
}

/** Every distinct subexpression of `roots`, children before parents. */
export function topoOrder(roots: readonly Expr[]): Expr[] {
  const seen = new Set<Expr>();
  const order: Expr[] = [];
  const visit = (e: Expr) => {
    if (seen.has(e)) return;
    seen.add(e);
    e.args.forEach(visit);
    order.push(e);
  };
  roots.forEach(visit);
  return order;
}

/**
 * A copy of the DAG under `roots` whose loads read input slot `slots.get(old)` instead (shared subexpressions stay
 * shared). The copy is not interned: use it once a kernel is complete.
 */
export function renumberLoads(roots: readonly Expr[], slots: ReadonlyMap<number, number>): (e: Expr) => Expr {
  const copies = new Map<Expr, Expr>();
  for (const e of topoOrder(roots)) {
    const args = e.args.map((a) => copies.get(a)!);
    const input = e.kind === 'load' ? { input: slots.get(e.input)! } : {};
    const same = args.every((a, i) => a === e.args[i]) && !(e.kind === 'load' && input.input !== e.input);
    copies.set(e, same ? e : ({ ...e, args, ...input } as Expr));
  }
  return (e) => copies.get(e)!;
}
