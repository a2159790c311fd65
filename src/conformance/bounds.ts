// The structure-aware comparison rule: evaluates a graph op by op with the oracle's own kernels and carries, next
// to every value, a per-element bound on how far a backend that keeps the tolerance table may be from it. So a
// graph's tolerance is derived from the table: an exact path stays exact, an f32 path collects the allowances of
// its ops (scaled by the magnitudes it meets), and an element that a legitimate rounding difference could push
// across a discontinuity (floor, a comparison, a routing decision in topk) is marked undetermined (Infinity)
// instead of being compared with a loosened tolerance.

import { decodeToF32 } from '../numerics/index.js';
import { inputName, isFloat, numel, primitiveNames, sameType, tensorData, type Attrs, type DType, type Graph, type Node, type Shape, type TensorData, type TensorType, type Value, type WeightStore } from '../ir/index.js';
import { fromTensorData, PRIMITIVE_KERNELS, toTensorData, type CpuTensor, type KernelContext } from '../backends/reference/index.js';
import type { Fp8CastMode } from '../numerics/index.js';
import { binaryBound, castBound, UNDETERMINED, unaryBound } from './element-bounds.js';
import { TOLERANCE, ulp } from './tolerance.js';

/** A value of the graph with its bound: an f32 tensor of the same shape, Infinity where undetermined. */
interface Bounded {
  readonly value: CpuTensor;
  readonly bound: CpuTensor;
  /** An f32 product (possibly moved): an addition reading it may fuse the two (FMA). */
  readonly product: boolean;
}

export interface BoundedOutput {
  readonly value: TensorData;
  readonly bound: Float32Array;
}

const F32_MAX = 3.4028234663852886e38;
const f32 = (shape: Shape): TensorType => ({ dtype: 'f32', shape });
const kernel = (op: string) => PRIMITIVE_KERNELS.get(op)!;

/** The f32 at or above x, a bound (x >= 0) as stored; NaN means undetermined. */
function up(x: number): number {
  if (Number.isNaN(x)) return UNDETERMINED;
  const f = Math.fround(x);
  if (f >= x) return f;
  const next = new Float32Array([f]);
  new Uint32Array(next.buffer)[0]! += 1;
  return next[0]!;
}

const dense = (t: CpuTensor) => toTensorData(t).data;

/** Element values as numbers: floats decoded, integers and bools as stored. */
const valuesOf = (t: CpuTensor): ArrayLike<number> => (isFloat(t.dtype) ? decodeToF32(dense(t), t.dtype) : dense(t));

const boundTensor = (shape: Shape, data: Float32Array): CpuTensor => fromTensorData(tensorData('f32', shape, data));

const zeroBound = (shape: Shape): CpuTensor => boundTensor(shape, new Float32Array(numel(shape)));

function mapBound(shape: Shape, f: (i: number) => number): CpuTensor {
  const out = new Float32Array(numel(shape));
  for (let i = 0; i < out.length; i++) out[i] = up(f(i));
  return boundTensor(shape, out);
}

/** Elementwise sum of bound tensors of one shape (views allowed). */
function addBounds(shape: Shape, ...parts: CpuTensor[]): CpuTensor {
  const data = parts.map((p) => dense(p) as Float32Array);
  return mapBound(shape, (i) => data.reduce((s, d) => s + d[i]!, 0));
}

const isTiny = (v: number) => v !== 0 && Math.abs(v) < TOLERANCE.flushBelow;

/** A float operand of an accumulation: its bound, widened by its own magnitude where a device may flush it. */
function termBounds(b: Bounded): CpuTensor {
  const [x, e] = [valuesOf(b.value), dense(b.bound) as Float32Array];
  return mapBound(b.value.shape, (i) => e[i]! + (isTiny(x[i]!) ? Math.abs(x[i]!) : 0));
}

/** Elementwise squares of a bound tensor, or their square roots: errors carried into a sum combine in quadrature. */
const squared = (t: CpuTensor): CpuTensor => {
  const e = dense(t) as Float32Array;
  return mapBound(t.shape, (i) => e[i]! * e[i]!);
};
const rooted = (t: CpuTensor): CpuTensor => {
  const e = dense(t) as Float32Array;
  return mapBound(t.shape, (i) => Math.sqrt(e[i]!));
};

/** |x| of the finite elements (0 for ±inf and NaN, whose own results are exact or undetermined on their own). */
const magnitudes = (t: CpuTensor): CpuTensor => {
  const x = valuesOf(t);
  return mapBound(t.shape, (i) => (Number.isFinite(x[i]!) ? Math.abs(x[i]!) : 0));
};

const ones = (shape: Shape): CpuTensor => mapBound(shape, () => 1);

const nonNegative = (t: CpuTensor): CpuTensor => {
  const e = dense(t) as Float32Array;
  return mapBound(t.shape, (i) => Math.max(0, e[i]!));
};

const anyUndetermined = (t: CpuTensor) => (dense(t) as Float32Array).some((e) => e === UNDETERMINED);
const allUndetermined = (shape: Shape) => mapBound(shape, () => UNDETERMINED);

/** The same op applied to bounds in place of the float operands at `data` (movement and indexing are linear). */
function onBounds(n: Node, args: readonly Bounded[], ctx: KernelContext, data: readonly number[], attrs: Attrs = n.attrs): CpuTensor {
  const operands = args.map((a, i) => (data.includes(i) ? a.bound : a.value));
  return kernel(n.op)(operands, attrs, f32(n.outputs[0]!.shape), ctx);
}

/** An index operand that is undetermined anywhere leaves the whole result undetermined. */
function withIndices(result: CpuTensor, ...indices: Bounded[]): CpuTensor {
  return indices.some((i) => anyUndetermined(i.bound)) ? allUndetermined(result.shape) : result;
}

/**
 * The bound of an accumulation: the propagated bounds, plus the table's allowance for n terms and n flushes, plus
 * a final rounding to a narrow dtype; a zero sum of n > 0 terms may have either sign. `magnitude` is Σ|finite
 * terms|: past the f32 range a partial sum may overflow, so the result is undetermined. A non-finite result is
 * determined where `special` is 0.
 */
function accumulated(y: CpuTensor, propagated: CpuTensor, magnitude: CpuTensor, n: number, special: CpuTensor): CpuTensor {
  const [values, prop, mag, spec] = [valuesOf(y), dense(propagated) as Float32Array, dense(magnitude) as Float32Array, dense(special) as Float32Array];
  if (!isFloat(y.dtype)) return propagated;
  return mapBound(y.shape, (i) => {
    const v = values[i]!;
    if (!(mag[i]! < F32_MAX)) return UNDETERMINED;
    if (!Number.isFinite(v)) return spec[i] === 0 ? 0 : UNDETERMINED;
    const local = n > 1 ? TOLERANCE.accumulationTerms(n) * TOLERANCE.accumulationUnit * mag[i]! + n * TOLERANCE.flushBelow : 0;
    const bound = prop[i]! + local;
    const rounded = bound > 0 && y.dtype !== 'f32' ? bound + ulp(y.dtype, Math.abs(v) + bound) : bound;
    return v === 0 && n > 0 ? Math.max(rounded, TOLERANCE.zeroOfEitherSign) : rounded;
  });
}

type Rule = (n: Node, args: readonly Bounded[], y: CpuTensor, ctx: KernelContext) => CpuTensor;

function elementwise(n: Node, args: readonly Bounded[], y: CpuTensor): CpuTensor {
  const dtype = args[0]!.value.dtype;
  const xs = args.map((a) => valuesOf(a.value));
  const es = args.map((a) => dense(a.bound) as Float32Array);
  const ys = valuesOf(y);
  const operand = (k: number, i: number) => ({ x: xs[k]![i]!, e: es[k]![i]!, product: args[k]!.product });
  if (args.length === 1) return mapBound(y.shape, (i) => unaryBound(n.op, dtype, operand(0, i), ys[i]!));
  return mapBound(y.shape, (i) => binaryBound(n.op, dtype, operand(0, i), operand(1, i), ys[i]!));
}

const source: Rule = (_, __, y) => zeroBound(y.shape);
const view: Rule = (n, args, _, ctx) => onBounds(n, args, ctx, [0]);

function reduction(n: Node, [x]: readonly Bounded[], y: CpuTensor, ctx: KernelContext): CpuTensor {
  const [axes, keepdims] = [n.attrs.axes as number[], n.attrs.keepdims as boolean];
  const over = (t: CpuTensor, op: string) => kernel(op)([t], { axes, keepdims }, f32(y.shape), ctx);
  const terms = isFloat(x!.value.dtype) ? termBounds(x!) : x!.bound;
  // max/min of intervals: the widest term's bound; over an empty axis the result is the op's identity, exact (the
  // f32 kernel would give -inf, its own identity, as the largest of no bounds).
  if (n.op !== 'reduce_sum') return nonNegative(over(terms, 'reduce_max'));
  const count = axes.reduce((p, a) => p * x!.value.shape[a]!, 1);
  // A flushed subnormal cannot change an infinite or NaN sum: only the terms' own bounds decide those.
  return accumulated(y, rooted(over(squared(terms), 'reduce_sum')), over(magnitudes(x!.value), 'reduce_sum'), count, over(x!.bound, 'reduce_sum'));
}

function cumulative(n: Node, [x]: readonly Bounded[], y: CpuTensor, ctx: KernelContext): CpuTensor {
  const scan = (t: CpuTensor) => kernel('cumsum')([t], n.attrs, f32(y.shape), ctx);
  const terms = isFloat(x!.value.dtype) ? termBounds(x!) : x!.bound;
  return accumulated(y, rooted(scan(squared(terms))), scan(magnitudes(x!.value)), x!.value.shape[n.attrs.axis as number]!, scan(x!.bound));
}

/** √(A²·eB² + eA²·B² + eA²·eB²) carried in, and K·u·|A|·|B| through `accumulated`. */
function contraction(n: Node, args: readonly Bounded[], y: CpuTensor, ctx: KernelContext): CpuTensor {
  const [a, b] = args as [Bounded, Bounded];
  const ids = args[2];
  const product = (p: CpuTensor, q: CpuTensor) => kernel(n.op)(ids ? [p, q, ids.value] : [p, q], n.attrs, f32(y.shape), ctx);
  const [ma, mb, ea, eb] = [magnitudes(a.value), magnitudes(b.value), termBounds(a), termBounds(b)];
  const [sa, sb, qa, qb] = [squared(ma), squared(mb), squared(ea), squared(eb)];
  const propagated = rooted(addBounds(y.shape, product(sa, qb), product(qa, sb), product(qa, qb)));
  const k = a.value.shape[a.value.shape.length - 1]!;
  // An infinite or NaN product sum is determined when every term of it is exact (a flushed subnormal times inf is NaN).
  const special = addBounds(y.shape, product(ea, ones(b.value.shape)), product(ones(a.value.shape), eb));
  const bound = accumulated(y, propagated, product(ma, mb), k, special);
  if (!ids || !anyUndetermined(ids.bound)) return bound;
  // A row whose expert is undetermined is undetermined.
  const rowUnknown = dense(ids.bound) as Float32Array;
  const b0 = dense(bound) as Float32Array;
  const cols = y.shape[1]!;
  return mapBound(y.shape, (i) => (rowUnknown[Math.floor(i / cols)] === UNDETERMINED ? UNDETERMINED : b0[i]!));
}

/** scatter_add: ordered, correctly rounded additions; exact given exact terms, else one rounding flip per addition. */
function scatter(n: Node, args: readonly Bounded[], y: CpuTensor, ctx: KernelContext): CpuTensor {
  const [x, idx, src] = args as [Bounded, Bounded, Bounded];
  if (anyUndetermined(idx.bound)) return allUndetermined(y.shape);
  const sum = (p: CpuTensor, q: CpuTensor) => kernel('scatter_add')([p, idx.value, q], n.attrs, f32(y.shape), ctx);
  if (!isFloat(y.dtype)) return sum(x.bound, src.bound);
  const propagated = rooted(sum(squared(termBounds(x)), squared(termBounds(src))));
  const magnitude = dense(sum(magnitudes(x.value), magnitudes(src.value))) as Float32Array;
  const [prop, values] = [dense(propagated) as Float32Array, valuesOf(y)];
  const additions = src.value.shape[n.attrs.axis as number]!;
  const flips = additions * ulp(y.dtype, 1);
  return mapBound(y.shape, (i) => {
    if (prop[i] === 0) return 0;
    if (!Number.isFinite(values[i]!)) return UNDETERMINED;
    return prop[i]! + flips * magnitude[i]! + additions * TOLERANCE.flushBelow;
  });
}

/** topk: a row is determined when the intervals of its first k + 1 values in order are strictly separated. */
function topk(n: Node, [x]: readonly Bounded[], y: CpuTensor): CpuTensor {
  const [axis, k] = [n.attrs.axis as number, n.attrs.k as number];
  const shape = x!.value.shape;
  const dim = shape[axis]!;
  const inner = numel(shape.slice(axis + 1));
  const outer = numel(shape.slice(0, axis));
  const values = valuesOf(x!.value);
  const bounds = dense(isFloat(x!.value.dtype) ? termBounds(x!) : x!.bound) as Float32Array;
  const out = new Float32Array(numel(y.shape));
  const rank = (v: number) => (Number.isNaN(v) ? Infinity : v);
  for (let o = 0; o < outer; o++) {
    for (let q = 0; q < inner; q++) {
      const at = (j: number) => (o * dim + j) * inner + q;
      const order = Array.from({ length: dim }, (_, j) => j).sort((i, j) => rank(values[at(j)]!) - rank(values[at(i)]!) || i - j);
      let determined = true;
      for (let r = 0; r + 1 < Math.min(k + 1, dim) && determined; r++) {
        const [hi, lo] = [at(order[r]!), at(order[r + 1]!)];
        if (bounds[hi] === 0 && bounds[lo] === 0) continue;
        const [a, b] = [values[hi]!, values[lo]!];
        determined = Number.isFinite(a) && Number.isFinite(b) && a - bounds[hi]! > b + bounds[lo]!;
      }
      if (!determined) for (let j = 0; j < k; j++) out[(o * k + j) * inner + q] = UNDETERMINED;
    }
  }
  return boundTensor(y.shape, out);
}

function cast(n: Node, [x]: readonly Bounded[], y: CpuTensor): CpuTensor {
  const [xs, es, ys] = [valuesOf(x!.value), dense(x!.bound) as Float32Array, valuesOf(y)];
  const [from, to, mode] = [x!.value.dtype, n.attrs.dtype as DType, n.attrs.mode as Fp8CastMode | undefined];
  return mapBound(y.shape, (i) => castBound(from, to, mode, { x: xs[i]!, e: es[i]! }, ys[i]!));
}

function select(n: Node, args: readonly Bounded[], y: CpuTensor, ctx: KernelContext): CpuTensor {
  return addBounds(y.shape, onBounds(n, args, ctx, [1, 2]), args[0]!.bound);
}

/** take: an undetermined index leaves its own output positions undetermined. */
function takeRule(n: Node, args: readonly Bounded[], y: CpuTensor, ctx: KernelContext): CpuTensor {
  const [x, idx] = args as [Bounded, Bounded];
  const axis = n.attrs.axis as number;
  const rank = x.value.shape.length;
  const spreadShape = [...new Array<number>(axis).fill(1), ...idx.value.shape, ...new Array<number>(rank - axis - 1).fill(1)];
  const spread = kernel('broadcast')(
    [kernel('reshape')([idx.bound], { shape: spreadShape }, f32(spreadShape), ctx)],
    { shape: [...y.shape] },
    f32(y.shape),
    ctx,
  );
  return addBounds(y.shape, onBounds(n, args, ctx, [0]), spread);
}

const RULES: Readonly<Record<string, Rule>> = {
  ...Object.fromEntries([...primitiveNames('unary'), ...primitiveNames('binary')].map((op): [string, Rule] => [op, elementwise])),
  full: source,
  literal: source,
  iota: source,
  weight: source,
  where: select,
  cast,
  reduce_sum: reduction,
  reduce_max: reduction,
  reduce_min: reduction,
  cumsum: cumulative,
  matmul: contraction,
  gather_matmul: contraction,
  reshape: view,
  permute: view,
  broadcast: view,
  slice: view,
  concat: (n, args, _, ctx) => onBounds(n, args, ctx, args.map((__, i) => i)),
  pad: (n, args, _, ctx) => onBounds(n, args, ctx, [0], { ...n.attrs, value: 0 }),
  dynamic_slice: (n, args, _, ctx) => withIndices(onBounds(n, args, ctx, [0]), args[1]!),
  dynamic_update_slice: (n, args, _, ctx) => withIndices(onBounds(n, args, ctx, [0, 1]), args[2]!),
  take: takeRule,
  gather: (n, args, y, ctx) => addBounds(y.shape, onBounds(n, args, ctx, [0]), args[1]!.bound),
  scatter_add: scatter,
  topk,
};

/** Ops that only move elements: a product read through them can still be fused into an addition. */
const MOVES = new Set(['reshape', 'permute', 'broadcast', 'slice', 'take', 'gather', 'dynamic_slice']);

function runNode(n: Node, args: readonly Bounded[], ctx: KernelContext): Bounded[] {
  if (n.body) return evaluate(n.body, args, ctx);
  const value = kernel(n.op)(args.map((a) => a.value), n.attrs, n.outputs[0]!.type, ctx);
  const bound = RULES[n.op]!(n, args, value, ctx);
  const product = (n.op === 'mul' && value.dtype === 'f32') || (MOVES.has(n.op) && args[0]!.product);
  return [{ value, bound, product }];
}

/**
 * Evaluates `g` on bounded arguments. With `actual` (a backend's results by output name), every graph output a
 * node computes is recorded in `checked` with its bound and then replaced by the backend's value, exact: the
 * nodes after it see what the backend saw, so errors never compound past one output.
 */
function evaluate(g: Graph, args: readonly Bounded[], ctx: KernelContext, actual?: Readonly<Record<string, TensorData>>, checked?: Record<string, BoundedOutput>): Bounded[] {
  const env = new Map(g.inputs.map((v, i) => [v, args[i]!]));
  const outputsOf = new Map<Value, string[]>();
  for (const o of g.outputs) outputsOf.set(o.value, [...(outputsOf.get(o.value) ?? []), o.name]);
  for (const n of g.nodes) {
    let results: Bounded[];
    try {
      results = runNode(n, n.inputs.map((v) => env.get(v)!), ctx);
    } catch (e) {
      if (e instanceof Error) e.message = `bounds of ${g.name}, ${n.op}: ${e.message}`;
      throw e;
    }
    n.outputs.forEach((v, i) => {
      const names = actual ? (outputsOf.get(v) ?? []) : [];
      for (const name of names) checked![name] = { value: toTensorData(results[i]!.value), bound: dense(results[i]!.bound) as Float32Array };
      const given = names.map((name) => actual![name]).find((t) => t !== undefined && sameType(t, v.type));
      env.set(v, given ? { value: fromTensorData(given), bound: zeroBound(v.shape), product: false } : results[i]!);
    });
  }
  return g.outputs.map((o) => env.get(o.value)!);
}

/**
 * The oracle's outputs of `graph`, each with its per-element bound. With `actual`, outputs are checked link by link
 * (see `evaluate`): each output's bound then holds given the backend's own values of the outputs before it.
 */
export function boundOutputs(
  graph: Graph,
  inputs: Readonly<Record<string, TensorData>>,
  weights?: WeightStore,
  actual?: Readonly<Record<string, TensorData>>,
): Record<string, BoundedOutput> {
  const ctx: KernelContext = { weights, borrowed: new Set() };
  const args = graph.inputs.map((v): Bounded => {
    const t = inputs[inputName(v)];
    if (!t) throw new Error(`bounds: input "${inputName(v)}" is missing`);
    return { value: fromTensorData(t), bound: zeroBound(t.shape), product: false };
  });
  const checked: Record<string, BoundedOutput> = {};
  const results = evaluate(graph, args, ctx, actual, checked);
  graph.outputs.forEach((o, i) => {
    checked[o.name] ??= { value: toTensorData(results[i]!.value), bound: dense(results[i]!.bound) as Float32Array };
  });
  return checked;
}
