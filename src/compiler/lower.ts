// Lowering: the scalar expression that computes one element of a graph value inside a kernel. Inline ops
// (elementwise, casts, movement, index reads, splats, iota) become expression nodes; materialized values and
// buffers become loads; the kernel decides which values stand for its own accumulators (`substitute`).
// Elementwise ops lower by their entries (src/ir/ops/elementwise.ts); every other inline op by its rule below.

import { ELEMENTWISE_OPS, elementwiseDef, formatType, isFloat, numel, type BinaryOpName, type DType, type ElementwiseDef, type UnaryOpName, type Value } from '../ir/index.js';
import { computeType, type Expr, ExprContext } from './expr.js';
import type { BufferId, KernelBuffer } from './kernel.js';

/** Element `index` of value `v` (computed by a node of the rule's op) in the kernel `l` builds. */
type InlineRule = (l: KernelLowering, v: Value, index: readonly Expr[]) => Expr;

/** Where graph values live outside the kernel being built. */
export interface LoweringEnv {
  /** The buffer holding `v`, if it is stored (inputs, weights, constants, materialized values). */
  bufferOf(v: Value): { id: BufferId; dtype: DType; size: number } | undefined;
  /** The runtime parameter name of a rank-0 i32 graph input. */
  paramOf(v: Value): string | undefined;
}

/** Thrown when a kernel cannot read `value` the way it hoped (the planner then keeps that value stored). */
export class LoweringMismatch extends Error {
  constructor(readonly value: Value) {
    super(`%${value.id} is read off its row`);
  }
}

export class KernelLowering {
  readonly ctx: ExprContext;
  readonly inputs: KernelBuffer[] = [];
  readonly params = new Set<string>();
  private readonly slots = new Map<BufferId, number>();
  private readonly memo = new Map<string, Expr>();

  constructor(
    shape: readonly number[],
    rshape: readonly number[],
    private readonly env: LoweringEnv,
    /** Values this kernel computes itself (its results), even though they are stored. */
    private readonly own: ReadonlySet<Value>,
    /** Kernel-specific replacement of a value at an index (its own accumulators), or undefined. */
    private readonly substitute: (v: Value, index: readonly Expr[]) => Expr | undefined = () => undefined,
  ) {
    this.ctx = new ExprContext(shape, rshape);
  }

  /** Row-major flat index of `index` in `shape`. */
  flatIndex(index: readonly Expr[], shape: readonly number[]): Expr {
    const c = this.ctx;
    let flat = c.int(0);
    let stride = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      flat = c.add(flat, c.mul(index[i]!, c.int(stride)));
      stride *= shape[i]!;
    }
    return flat;
  }

  /** The multi-index of flat position `flat` in `shape`. */
  unflatten(flat: Expr, shape: readonly number[]): Expr[] {
    const c = this.ctx;
    const out = new Array<Expr>(shape.length);
    let stride = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      out[i] = shape[i] === 1 ? c.int(0) : c.binary('mod', c.binary('div', flat, c.int(stride)), c.int(shape[i]!));
      stride *= shape[i]!;
    }
    return out;
  }

  /** Reads element `flat` of a stored value. */
  load(v: Value, flat: Expr): Expr {
    const buf = this.env.bufferOf(v);
    if (!buf) throw new Error(`lowering: %${v.id} (${formatType(v.type)}) is not stored`);
    let slot = this.slots.get(buf.id);
    if (slot === undefined) {
      slot = this.inputs.length;
      this.slots.set(buf.id, slot);
      this.inputs.push({ buffer: buf.id, dtype: buf.dtype, size: buf.size });
    }
    return this.ctx.load(slot, buf.dtype, flat);
  }

  /** The expression for element `index` of `v`. */
  valueAt(v: Value, index: readonly Expr[]): Expr {
    const key = `${v.id}@${index.map((e) => e.id).join(',')}`;
    let e = this.memo.get(key);
    if (!e) {
      e = this.compute(v, index);
      this.memo.set(key, e);
    }
    return e;
  }

  private compute(v: Value, index: readonly Expr[]): Expr {
    const sub = this.substitute(v, index);
    if (sub) return sub;
    // A value with no elements is never read at run time (any index into it lies in an empty loop, or in a piece of
    // a concat or an update window that is never selected), so it lowers to a placeholder and loads nothing.
    if (numel(v.shape) === 0) return this.ctx.const(0, computeType(v.dtype));
    const param = this.env.paramOf(v);
    if (param !== undefined) {
      this.params.add(param);
      return this.ctx.param(param);
    }
    if (!this.own.has(v) && this.env.bufferOf(v)) return this.load(v, this.flatIndex(index, v.shape));
    const n = v.node;
    const def = n && elementwiseDef(n.op);
    if (def) return this.elementwise(def, v, index);
    const rule = n && INLINE_RULES[n.op];
    if (!rule) throw new Error(`lowering: %${v.id} = ${n?.op ?? 'input'} must be materialized before it is read`);
    return rule(this, v, index);
  }

  private elementwise(def: ElementwiseDef, v: Value, index: readonly Expr[]): Expr {
    const c = this.ctx;
    const [x, y, z] = v.node!.inputs.map((operand) => this.valueAt(operand, index)) as [Expr, Expr?, Expr?];
    const r = def.family === 'unary' ? c.unary(def.name as UnaryOpName, x) : def.family === 'binary' ? c.binary(def.name as BinaryOpName, x, y!) : c.where(x, y!, z!);
    // Narrow floats compute in f32 and round to their dtype; comparisons, logic and selection have nothing to round.
    return def.scalar.exact || !isFloat(v.dtype) || v.dtype === 'f32' ? r : c.cast(r, 'f32', v.dtype);
  }
}

function pad(l: KernelLowering, v: Value, index: readonly Expr[]): Expr {
  const c = l.ctx;
  const n = v.node!;
  const x = n.inputs[0]!;
  const lo = n.attrs.lo as number[];
  let inside = c.const(1, 'bool');
  const inner = index.map((e, i) => {
    const at = c.add(e, c.int(-lo[i]!));
    inside = c.binary('and', inside, c.binary('and', c.binary('le', c.int(0), at), c.binary('lt', at, c.int(x.shape[i]!))));
    return c.clamp(at, 0, Math.max(x.shape[i]! - 1, 0));
  });
  const fill = c.const(n.attrs.value as number, l.valueAt(x, inner).type);
  return c.where(inside, l.valueAt(x, inner), fill);
}

function concat(l: KernelLowering, v: Value, index: readonly Expr[]): Expr {
  const c = l.ctx;
  const n = v.node!;
  const axis = n.attrs.axis as number;
  const at = index[axis]!;
  const pieces: { start: number; value: Value }[] = [];
  let start = 0;
  for (const x of n.inputs) {
    pieces.push({ start, value: x });
    start += x.shape[axis]!;
  }
  // Select the last piece whose start is <= the index, reading each piece at a clamped (always valid) index.
  let result: Expr | undefined;
  for (const { start: s, value: x } of pieces) {
    if (x.shape[axis] === 0) continue;
    const local = c.clamp(c.add(at, c.int(-s)), 0, x.shape[axis]! - 1);
    const e = l.valueAt(x, index.map((ix, i) => (i === axis ? local : ix)));
    result = result === undefined ? e : c.where(c.binary('le', c.int(s), at), e, result);
  }
  return result!;
}

/** The inline ops other than the elementwise ones: casts, movement, index reads, splats and iota. */
const INLINE_RULES: Readonly<Record<string, InlineRule>> = {
  full: (l, v) => l.ctx.const(v.node!.attrs.value as number, computeType(v.dtype)),
  iota: (l, v, index) => l.ctx.cast(index[v.node!.attrs.axis as number]!, 'i32', v.dtype),
  cast: (l, v, index) => {
    const x = v.node!.inputs[0]!;
    return l.ctx.cast(l.valueAt(x, index), x.dtype, v.dtype, v.node!.attrs.mode as 'saturate' | 'torch' | undefined);
  },
  reshape: (l, v, index) => {
    const x = v.node!.inputs[0]!;
    return l.valueAt(x, l.unflatten(l.flatIndex(index, v.shape), x.shape));
  },
  permute: (l, v, index) => {
    const perm = v.node!.attrs.perm as number[];
    const inner = new Array<Expr>(perm.length);
    perm.forEach((p, j) => (inner[p] = index[j]!));
    return l.valueAt(v.node!.inputs[0]!, inner);
  },
  broadcast: (l, v, index) => {
    const x = v.node!.inputs[0]!;
    return l.valueAt(x, x.shape.map((d, i) => (d === 1 && v.shape[i] !== 1 ? l.ctx.int(0) : index[i]!)));
  },
  slice: (l, v, index) => {
    const [starts, steps] = [v.node!.attrs.starts as number[], v.node!.attrs.steps as number[]];
    const c = l.ctx;
    return l.valueAt(v.node!.inputs[0]!, index.map((e, i) => c.add(c.int(starts[i]!), c.mul(e, c.int(steps[i]!)))));
  },
  pad,
  concat,
  dynamic_slice: (l, v, index) => {
    const n = v.node!;
    const [x, c] = [n.inputs[0]!, l.ctx];
    const axis = n.attrs.axis as number;
    const start = c.clamp(l.valueAt(n.inputs[1]!, []), 0, x.shape[axis]! - (n.attrs.size as number));
    return l.valueAt(x, index.map((e, i) => (i === axis ? c.add(e, start) : e)));
  },
  take: (l, v, index) => {
    const n = v.node!;
    const [x, ids] = [n.inputs[0]!, n.inputs[1]!];
    const axis = n.attrs.axis as number;
    const r = ids.shape.length;
    const at = l.ctx.checked(l.valueAt(ids, index.slice(axis, axis + r)), x.shape[axis]!, `take index into axis ${axis} of ${formatType(x.type)}`);
    return l.valueAt(x, [...index.slice(0, axis), at, ...index.slice(axis + r)]);
  },
  gather: (l, v, index) => {
    const n = v.node!;
    const [x, ids] = [n.inputs[0]!, n.inputs[1]!];
    const axis = n.attrs.axis as number;
    const at = l.ctx.checked(l.valueAt(ids, index), x.shape[axis]!, `gather index into axis ${axis} of ${formatType(x.type)}`);
    return l.valueAt(x, index.map((e, i) => (i === axis ? at : e)));
  },
};

/** Ops computed inside the kernel that consumes them, never as kernels of their own. */
export const INLINE_OPS: ReadonlySet<string> = new Set([...ELEMENTWISE_OPS.map((d) => d.name), ...Object.keys(INLINE_RULES)]);
