// Lowering: the scalar expression that computes one element of a graph value inside a kernel. Inline ops
// (elementwise, casts, movement, index reads, splats, iota) become expression nodes; materialized values and
// buffers become loads; the kernel decides which values stand for its own accumulators (`substitute`).

import { formatType, isFloat, type DType, type Value } from '../ir/index.js';
import { type BinaryOp, computeType, type Expr, ExprContext, type UnaryOp } from './expr.js';
import type { BufferId, KernelBuffer } from './kernel.js';

export const UNARY_OPS: ReadonlySet<string> = new Set(['neg', 'abs', 'exp', 'exp2', 'log', 'log2', 'sqrt', 'recip', 'sin', 'cos', 'floor', 'ceil', 'not']);
export const BINARY_OPS: ReadonlySet<string> = new Set(['add', 'sub', 'mul', 'div', 'mod', 'max', 'min', 'lt', 'le', 'eq', 'ne', 'and', 'or']);
const COMPARISON_OPS: ReadonlySet<string> = new Set(['lt', 'le', 'eq', 'ne', 'and', 'or']);
const MOVEMENT_OPS: ReadonlySet<string> = new Set(['reshape', 'permute', 'broadcast', 'slice', 'pad', 'concat', 'dynamic_slice']);

/** Ops computed inside the kernel that consumes them, never as kernels of their own. */
export const INLINE_OPS: ReadonlySet<string> = new Set([...UNARY_OPS, ...BINARY_OPS, ...MOVEMENT_OPS, 'where', 'cast', 'full', 'iota', 'take', 'gather']);

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
    const param = this.env.paramOf(v);
    if (param !== undefined) {
      this.params.add(param);
      return this.ctx.param(param);
    }
    if (!this.own.has(v) && this.env.bufferOf(v)) return this.load(v, this.flatIndex(index, v.shape));
    const n = v.node;
    if (!n || !INLINE_OPS.has(n.op)) throw new Error(`lowering: %${v.id} = ${n?.op ?? 'input'} must be materialized before it is read`);
    const c = this.ctx;
    const x = n.inputs[0]!;
    const dtype = v.dtype;
    const rounded = (e: Expr) => (isFloat(dtype) && dtype !== 'f32' ? c.cast(e, 'f32', dtype) : e);
    if (UNARY_OPS.has(n.op)) return rounded(c.unary(n.op as UnaryOp, this.valueAt(x, index)));
    if (BINARY_OPS.has(n.op)) {
      const r = c.binary(n.op as BinaryOp, this.valueAt(x, index), this.valueAt(n.inputs[1]!, index));
      return COMPARISON_OPS.has(n.op) ? r : rounded(r);
    }
    switch (n.op) {
      case 'full':
        return c.const(n.attrs.value as number, computeType(dtype));
      case 'iota':
        return c.cast(index[n.attrs.axis as number]!, 'i32', dtype);
      case 'where':
        return c.where(this.valueAt(x, index), this.valueAt(n.inputs[1]!, index), this.valueAt(n.inputs[2]!, index));
      case 'cast':
        return c.cast(this.valueAt(x, index), x.dtype, dtype, n.attrs.mode as 'saturate' | 'torch' | undefined);
      case 'reshape':
        return this.valueAt(x, this.unflatten(this.flatIndex(index, v.shape), x.shape));
      case 'permute': {
        const perm = n.attrs.perm as number[];
        const inner = new Array<Expr>(perm.length);
        perm.forEach((p, j) => (inner[p] = index[j]!));
        return this.valueAt(x, inner);
      }
      case 'broadcast':
        return this.valueAt(x, x.shape.map((d, i) => (d === 1 && v.shape[i] !== 1 ? c.int(0) : index[i]!)));
      case 'slice': {
        const [starts, steps] = [n.attrs.starts as number[], n.attrs.steps as number[]];
        return this.valueAt(x, index.map((e, i) => c.add(c.int(starts[i]!), c.mul(e, c.int(steps[i]!)))));
      }
      case 'pad':
        return this.pad(v, index);
      case 'concat':
        return this.concat(v, index);
      case 'dynamic_slice': {
        const axis = n.attrs.axis as number;
        const start = c.clamp(this.valueAt(n.inputs[1]!, []), 0, x.shape[axis]! - (n.attrs.size as number));
        return this.valueAt(x, index.map((e, i) => (i === axis ? c.add(e, start) : e)));
      }
      case 'take': {
        const axis = n.attrs.axis as number;
        const r = n.inputs[1]!.shape.length;
        const at = c.checked(this.valueAt(n.inputs[1]!, index.slice(axis, axis + r)), x.shape[axis]!, `take index into axis ${axis} of ${formatType(x.type)}`);
        return this.valueAt(x, [...index.slice(0, axis), at, ...index.slice(axis + r)]);
      }
      case 'gather': {
        const axis = n.attrs.axis as number;
        const at = c.checked(this.valueAt(n.inputs[1]!, index), x.shape[axis]!, `gather index into axis ${axis} of ${formatType(x.type)}`);
        return this.valueAt(x, index.map((e, i) => (i === axis ? at : e)));
      }
      default:
        throw new Error(`lowering: no inline rule for ${n.op}`);
    }
  }

  private pad(v: Value, index: readonly Expr[]): Expr {
    const c = this.ctx;
    const n = v.node!;
    const x = n.inputs[0]!;
    const lo = n.attrs.lo as number[];
    let inside = c.const(1, 'bool');
    const inner = index.map((e, i) => {
      const at = c.add(e, c.int(-lo[i]!));
      inside = c.binary('and', inside, c.binary('and', c.binary('le', c.int(0), at), c.binary('lt', at, c.int(x.shape[i]!))));
      return c.clamp(at, 0, Math.max(x.shape[i]! - 1, 0));
    });
    const fill = c.const(n.attrs.value as number, this.valueAt(x, inner).type);
    return c.where(inside, this.valueAt(x, inner), fill);
  }

  private concat(v: Value, index: readonly Expr[]): Expr {
    const c = this.ctx;
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
      const e = this.valueAt(x, index.map((ix, i) => (i === axis ? local : ix)));
      result = result === undefined ? e : c.where(c.binary('le', c.int(s), at), e, result);
    }
    return result!;
  }
}
