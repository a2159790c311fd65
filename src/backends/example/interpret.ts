// The kernel IR (spec/kernel-ir.md) interpreted element by element: each scalar expression is evaluated with the
// ops' own definitions (their entries in src/ir/ops: evaluateElementwise, CAST.evaluate), and library kernels run
// the reference library. Slow, short, and as exact as the kernel IR asks: the worked example of
// docs/adding-a-backend.md.

import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16, f32ToFp8, fp8ToF32, storageCode } from '../../numerics/index.js';
import { CAST, elementwiseDef, evaluateElementwise, isFp8, type DType, type FloatDType, type StorageArray } from '../../ir/index.js';
import type { Expr } from '../../compiler/expr.js';
import type { Accumulator, Kernel, Store } from '../../compiler/kernel.js';
import { libraryKernel, type HostKernel } from '../reference/library.js';

/** What an expression reads besides its operands: loop indices, accumulators, runtime parameters and the inputs. */
interface Scope {
  readonly idx: readonly number[];
  readonly ridx: readonly number[];
  readonly acc: readonly number[];
  readonly params: Readonly<Record<string, number>>;
  readonly ins: readonly StorageArray[];
}

/** The compute value of a stored element (narrow floats are stored as their bits). */
const decoder = (d: DType): ((x: number) => number) =>
  d === 'bf16' ? bf16ToF32 : d === 'f16' ? f16ToF32 : isFp8(d) ? (x) => fp8ToF32(x, d) : (x) => x;

/** The Int32Array view over each f32 buffer's memory, made once per buffer rather than once per element read. */
const codeViews = new WeakMap<Float32Array, Int32Array>();

/** The storage codes of a buffer: an f32 one through an Int32Array view of its memory. */
function codes(data: StorageArray): StorageArray {
  if (!(data instanceof Float32Array)) return data;
  let view = codeViews.get(data);
  if (!view) codeViews.set(data, (view = new Int32Array(data.buffer, data.byteOffset, data.length)));
  return view;
}

/** The stored element of a compute value (already representable; an fp8 inf or NaN stays one). */
const encoder = (d: DType): ((x: number) => number) =>
  d === 'bf16' ? f32ToBf16 : d === 'f16' ? f32ToF16 : isFp8(d) ? (x) => f32ToFp8(x, d, 'torch') : (x) => x;

/** One expression, given the values of its operands (by position in `values`). */
function step(e: Expr, args: readonly number[]): (values: Float64Array, s: Scope) => number {
  const [a = 0] = args;
  switch (e.kind) {
    case 'const':
      return () => e.value;
    case 'idx':
      return (_, s) => s.idx[e.axis]!;
    case 'ridx':
      return (_, s) => s.ridx[e.axis]!;
    case 'acc':
      return (_, s) => s.acc[e.index]!;
    case 'param':
      return (_, s) => s.params[e.name]!;
    case 'load': {
      if (e.bits) return (v, s) => codes(s.ins[e.input]!)[v[a]!]!;
      const decode = decoder(e.dtype);
      return (v, s) => decode(s.ins[e.input]![v[a]!]!);
    }
    case 'encode':
      return (v) => storageCode(v[a]!, e.dtype as FloatDType);
    case 'checked':
      return (v) => {
        const x = v[a]!;
        if (x >= 0 && x < e.bound) return x;
        throw new RangeError(`${e.what}: index ${x} is out of range (expected 0 <= index < ${e.bound})`);
      };
    case 'cast':
      return (v) => CAST.evaluate(v[a]!, e.from, e.to, e.mode);
    default: {
      const def = elementwiseDef(e.kind)!;
      // Operands are of one compute type, except where's condition.
      const dtype = e.args[e.args.length - 1]!.type;
      return (v) => evaluateElementwise(def, dtype, args.map((i) => v[i]!));
    }
  }
}

/** Evaluates `roots` in a scope: every expression they share once, after its operands. */
function evaluator(roots: readonly Expr[]): (s: Scope) => number[] {
  const order: Expr[] = [];
  const slot = new Map<Expr, number>();
  const visit = (e: Expr): void => {
    if (slot.has(e)) return;
    e.args.forEach(visit);
    slot.set(e, order.length);
    order.push(e);
  };
  roots.forEach(visit);
  const steps = order.map((e) => step(e, e.args.map((arg) => slot.get(arg)!)));
  const values = new Float64Array(order.length);
  return (s) => {
    steps.forEach((f, i) => (values[i] = f(values, s)));
    return roots.map((r) => values[slot.get(r)!]!);
  };
}

/** Calls `fn` with every multi-index of `shape`, in row-major order. */
function forEachIndex(shape: readonly number[], fn: (index: readonly number[]) => void): void {
  if (shape.some((d) => d === 0)) return;
  const index = shape.map(() => 0);
  for (;;) {
    fn(index);
    let axis = shape.length - 1;
    while (axis >= 0 && ++index[axis]! === shape[axis]) index[axis--] = 0;
    if (axis < 0) return;
  }
}

/** Runs `stores` in a scope: each value encoded into its output at its index. */
function storer(k: Kernel, stores: readonly Store[]): (s: Scope, outs: readonly StorageArray[]) => void {
  const evaluate = evaluator(stores.flatMap((st) => [st.index, st.value]));
  const encoders = k.outputs.map((o) => encoder(o.dtype));
  return (s, outs) => {
    const values = evaluate(s);
    stores.forEach((st, i) => {
      if (st.bits) codes(outs[st.output]!)[values[2 * i]!] = values[2 * i + 1]!;
      else outs[st.output]![values[2 * i]!] = encoders[st.output]!(values[2 * i + 1]!);
    });
  };
}

/** One accumulator over a row: a float sum in float64 rounded once to f32 (the kernel casts on from there). */
function accumulator(acc: Accumulator): (s: Scope, rshape: readonly number[]) => number {
  const value = evaluator([acc.value]);
  const float = acc.type === 'f32';
  const init = acc.op === 'sum' ? 0 : acc.op === 'max' ? (float ? -Infinity : -(2 ** 31)) : float ? Infinity : 2 ** 31 - 1;
  return (s, rshape) => {
    let total = init;
    forEachIndex(rshape, (ridx) => {
      const x = value({ ...s, ridx })[0]!;
      total = acc.op === 'max' ? Math.max(total, x) : acc.op === 'min' ? Math.min(total, x) : float ? total + x : (total + x) | 0;
    });
    return acc.op === 'sum' && float ? Math.fround(total) : total;
  };
}

/** Kernel `k` on host storage. */
export function interpretKernel(k: Kernel): HostKernel {
  const b = k.body;
  const scope = (ins: readonly StorageArray[], params: Readonly<Record<string, number>>, idx: readonly number[], acc: readonly number[] = []): Scope => ({ idx, ridx: [], acc, params, ins });
  switch (b.kind) {
    case 'map': {
      const store = storer(k, b.stores);
      return (ins, outs, params) => forEachIndex(b.shape, (idx) => store(scope(ins, params, idx), outs));
    }
    case 'reduce': {
      const accumulators = b.accumulators.map(accumulator);
      const [store, rowStore] = [storer(k, b.stores), storer(k, b.rowStores)];
      return (ins, outs, params) =>
        forEachIndex(b.shape, (idx) => {
          const acc: number[] = [];
          for (const total of accumulators) acc.push(total(scope(ins, params, idx, acc), b.rshape));
          store(scope(ins, params, idx, acc), outs);
          if (b.rowStores.length) forEachIndex(b.rshape, (ridx) => rowStore({ ...scope(ins, params, idx, acc), ridx }, outs));
        });
    }
    case 'contraction': {
      // acc0 = Σ_k a·b: products of f32 values are exact in float64, so one rounding of the float64 sum (matmul's).
      const [a, bOperand] = [evaluator([b.a]), evaluator([b.b])];
      const store = storer(k, b.stores);
      return (ins, outs, params) =>
        forEachIndex([...b.batch, b.m, b.n], (idx) => {
          let total = 0;
          for (let r = 0; r < b.k; r++) {
            const s = { ...scope(ins, params, idx), ridx: [r] };
            total += a(s)[0]! * bOperand(s)[0]!;
          }
          store(scope(ins, params, idx, [Math.fround(total)]), outs);
        });
    }
    case 'library':
      return libraryKernel(k, b);
  }
}
