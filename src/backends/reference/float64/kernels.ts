// The primitives in float64: every value a dense row-major Float64Array (integers and bools hold their exact values),
// every float operation computed exactly as JavaScript does in double precision, never rounded to f32. The float
// semantics come from the op entries themselves (ElementwiseDef.scalar.float is the exact function before rounding;
// CAST.evaluate for conversions to integers), and everything else is a plain loop: this is a check, not a fast path.

import { CAST, contiguousStrides, elementwiseDef, numel, type Attrs, type DType, type Node, type Shape, type TensorType } from '../../../ir/index.js';
import { indexOutOfRange, positionOf } from '../kernels/index-bounds.js';

export interface F64Tensor {
  readonly shape: Shape;
  readonly data: Float64Array;
}

/** Computes a node's result from its operands; `weight` reads go through `weight`. */
export type F64Kernel = (inputs: readonly F64Tensor[], node: Node, result: TensorType, weight: (name: string) => F64Tensor) => F64Tensor;

const tensor = (shape: Shape, data: Float64Array): F64Tensor => ({ shape: [...shape], data });

/** The flat index of `pos` (a multi-index) in a row-major tensor of `shape`. */
function flatIndex(pos: readonly number[], shape: Shape): number {
  let flat = 0;
  for (let i = 0; i < shape.length; i++) flat = flat * shape[i]! + pos[i]!;
  return flat;
}

/** A tensor of `shape` whose element at multi-index pos is `element(pos)`. */
function build(shape: Shape, element: (pos: number[]) => number): F64Tensor {
  const data = new Float64Array(numel(shape));
  for (let i = 0; i < data.length; i++) data[i] = element(positionOf(i, shape));
  return tensor(shape, data);
}

/** The element of `x` at multi-index `pos`. */
const at = (x: F64Tensor, pos: readonly number[]): number => x.data[flatIndex(pos, x.shape)]!;

function checkIndex(op: string, value: number, flat: number, shape: Shape, bound: number, axis: number): void {
  if (value < 0 || value >= bound) throw indexOutOfRange(op, 'index', value, flat, shape, bound, `axis ${axis}`);
}

const int = (a: Attrs, key: string): number => a[key] as number;
const ints = (a: Attrs, key: string): readonly number[] => a[key] as readonly number[];
const isInt = (d: DType): boolean => d === 'i32';

function elementwise(op: string): F64Kernel {
  const def = elementwiseDef(op)!;
  return (inputs, node) => {
    const fn = def.scalar.exact ?? (isInt(node.inputs[0]!.dtype) ? def.scalar.i32 : def.scalar.float)!;
    const out = new Float64Array(inputs[0]!.data.length);
    for (let i = 0; i < out.length; i++) out[i] = fn(...inputs.map((x) => x.data[i]!));
    return tensor(inputs[0]!.shape, out);
  };
}

/** A reduction from `init` (by whether the dtype is i32: the result of an empty reduction) with `combine`. */
function reduce(init: (i32: boolean) => number, combine: (acc: number, x: number) => number): F64Kernel {
  return ([x], node, result) => {
    const axes = ints(node.attrs, 'axes');
    const kept = x!.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const wrap = isInt(result.dtype) ? (v: number) => v | 0 : (v: number) => v;
    const out = new Float64Array(numel(kept)).fill(init(isInt(result.dtype)));
    for (let i = 0; i < x!.data.length; i++) {
      const o = flatIndex(positionOf(i, x!.shape).map((p, a) => (axes.includes(a) ? 0 : p)), kept);
      out[o] = wrap(combine(out[o]!, x!.data[i]!));
    }
    return tensor(result.shape, out);
  };
}

function matmul(a: F64Tensor, b: F64Tensor, out: Float64Array, outOffset: number, aOffset: number, bOffset: number, m: number, k: number, n: number): void {
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let q = 0; q < k; q++) sum += a.data[aOffset + i * k + q]! * b.data[bOffset + q * n + j]!;
      out[outOffset + i * n + j] = sum;
    }
}

/** Ties keep the lower index first; NaN sorts above +inf (spec/ops.md, topk). */
const greater = (a: number, b: number): boolean => (a !== a ? b === b : b !== b ? false : a > b);

const clampStart = (start: number, dim: number, size: number): number => Math.min(Math.max(start, 0), dim - size);

const F64_KERNELS: Readonly<Record<string, F64Kernel>> = {
  full: (_, n, r) => tensor(r.shape, new Float64Array(numel(r.shape)).fill(n.attrs.value as number)),
  literal: (_, n, r) => tensor(r.shape, Float64Array.from(ints(n.attrs, 'values'))),
  iota: (_, n, r) => build(r.shape, (pos) => pos[int(n.attrs, 'axis')]!),
  weight: (_, n, __, weight) => weight(n.attrs.name as string),
  cast: ([x], n, r) => {
    const from = n.inputs[0]!.dtype;
    const convert = r.dtype === 'f32' ? (v: number) => v : (v: number) => CAST.evaluate(v, from, r.dtype);
    return tensor(r.shape, x!.data.map(convert));
  },
  reduce_sum: reduce(() => 0, (acc, x) => acc + x),
  reduce_max: reduce((i32) => (i32 ? -(2 ** 31) : -Infinity), Math.max),
  reduce_min: reduce((i32) => (i32 ? 2 ** 31 - 1 : Infinity), Math.min),
  cumsum: ([x], n, r) => {
    const axis = int(n.attrs, 'axis');
    const stride = contiguousStrides(x!.shape)[axis]!;
    const wrap = isInt(r.dtype) ? (v: number) => v | 0 : (v: number) => v;
    const out = Float64Array.from(x!.data);
    for (let i = 0; i < out.length; i++) if (positionOf(i, x!.shape)[axis]! > 0) out[i] = wrap(out[i - stride]! + out[i]!);
    return tensor(r.shape, out);
  },
  matmul: ([a, b], _, r) => {
    const rank = r.shape.length;
    const [m, k, n] = [a!.shape[rank - 2]!, a!.shape[rank - 1]!, b!.shape[rank - 1]!];
    const out = new Float64Array(numel(r.shape));
    for (let i = 0; i < numel(r.shape.slice(0, -2)); i++) matmul(a!, b!, out, i * m * n, i * m * k, i * k * n, m, k, n);
    return tensor(r.shape, out);
  },
  gather_matmul: ([x, w, ids], _, r) => {
    const [rows, k] = x!.shape as [number, number];
    const [experts, , n] = w!.shape as [number, number, number];
    const out = new Float64Array(rows * n);
    for (let row = 0; row < rows; row++) {
      const e = ids!.data[row]!;
      if (e < 0 || e >= experts) throw indexOutOfRange('gather_matmul', 'id', e, row, ids!.shape, experts, 'the expert axis of w');
      matmul(x!, w!, out, row * n, row * k, e * k * n, 1, k, n);
    }
    return tensor(r.shape, out);
  },
  reshape: ([x], _, r) => tensor(r.shape, x!.data),
  permute: ([x], n, r) => {
    const perm = ints(n.attrs, 'perm');
    return build(r.shape, (pos) => at(x!, perm.map((_, a) => pos[perm.indexOf(a)]!)));
  },
  broadcast: ([x], _, r) => build(r.shape, (pos) => at(x!, pos.map((p, a) => (x!.shape[a] === 1 ? 0 : p)))),
  slice: ([x], n, r) => build(r.shape, (pos) => at(x!, pos.map((p, a) => ints(n.attrs, 'starts')[a]! + p * ints(n.attrs, 'steps')[a]!))),
  concat: (xs, n, r) => {
    const axis = int(n.attrs, 'axis');
    return build(r.shape, (pos) => {
      let p = pos[axis]!;
      const x = xs.find((t) => (p < t.shape[axis]! ? true : ((p -= t.shape[axis]!), false)))!;
      return at(x, pos.map((q, a) => (a === axis ? p : q)));
    });
  },
  pad: ([x], n, r) => {
    const lo = ints(n.attrs, 'lo');
    return build(r.shape, (pos) => {
      const inner = pos.map((p, a) => p - lo[a]!);
      return inner.every((p, a) => p >= 0 && p < x!.shape[a]!) ? at(x!, inner) : (n.attrs.value as number);
    });
  },
  dynamic_slice: ([x, start], n, r) => {
    const axis = int(n.attrs, 'axis');
    const from = clampStart(start!.data[0]!, x!.shape[axis]!, int(n.attrs, 'size'));
    return build(r.shape, (pos) => at(x!, pos.map((p, a) => (a === axis ? p + from : p))));
  },
  dynamic_update_slice: ([x, u, start], n, r) => {
    const axis = int(n.attrs, 'axis');
    const from = clampStart(start!.data[0]!, x!.shape[axis]!, u!.shape[axis]!);
    return build(r.shape, (pos) => {
      const p = pos[axis]! - from;
      return p >= 0 && p < u!.shape[axis]! ? at(u!, pos.map((q, a) => (a === axis ? p : q))) : at(x!, pos);
    });
  },
  take: ([x, idx], n, r) => {
    const axis = int(n.attrs, 'axis');
    const rank = idx!.shape.length;
    return build(r.shape, (pos) => {
      const where = pos.slice(axis, axis + rank);
      const i = at(idx!, where);
      checkIndex('take', i, flatIndex(where, idx!.shape), idx!.shape, x!.shape[axis]!, axis);
      return at(x!, [...pos.slice(0, axis), i, ...pos.slice(axis + rank)]);
    });
  },
  gather: ([x, idx], n, r) => {
    const axis = int(n.attrs, 'axis');
    return build(r.shape, (pos) => {
      const i = at(idx!, pos);
      checkIndex('gather', i, flatIndex(pos, idx!.shape), idx!.shape, x!.shape[axis]!, axis);
      return at(x!, pos.map((p, a) => (a === axis ? i : p)));
    });
  },
  scatter_add: ([x, idx, src], n, r) => {
    const axis = int(n.attrs, 'axis');
    const wrap = isInt(r.dtype) ? (v: number) => v | 0 : (v: number) => v;
    const out = Float64Array.from(x!.data);
    for (let s = 0; s < src!.data.length; s++) {
      const pos = positionOf(s, src!.shape);
      const i = idx!.data[s]!;
      checkIndex('scatter_add', i, s, idx!.shape, x!.shape[axis]!, axis);
      const o = flatIndex(pos.map((p, a) => (a === axis ? i : p)), x!.shape);
      out[o] = wrap(out[o]! + src!.data[s]!);
    }
    return tensor(r.shape, out);
  },
  topk: ([x], n, r) => {
    const axis = int(n.attrs, 'axis');
    const dim = x!.shape[axis]!;
    const order = new Map<number, number[]>();
    return build(r.shape, (pos) => {
      const row = flatIndex(pos.map((p, a) => (a === axis ? 0 : p)), r.shape);
      let sorted = order.get(row);
      if (!sorted) {
        const value = (j: number) => at(x!, pos.map((p, a) => (a === axis ? j : p)));
        sorted = Array.from({ length: dim }, (_, j) => j).sort((i, j) => (greater(value(i), value(j)) ? -1 : greater(value(j), value(i)) ? 1 : i - j));
        order.set(row, sorted);
      }
      return sorted[pos[axis]!]!;
    });
  },
};

/** The kernel of primitive `op` (elementwise ops from their entries). */
export function f64Kernel(op: string): F64Kernel | undefined {
  return F64_KERNELS[op] ?? (elementwiseDef(op) ? elementwise(op) : undefined);
}
