// concat, pad, dynamic_slice and dynamic_update_slice against naive definitions, bit for bit (f32 NaN payloads too).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../src/backends/reference/index.js';
import { GraphBuilder, type DType, type TensorData } from '../../../src/ir/index.js';
import { encodeF32, runOp, shapeArb, storageBitsOf, tensorArb, tensorOf } from './harness.js';
import { materialize, naiveOf, type NaiveTensor } from './naive-views.js';

const DTYPES_MOVED: DType[] = ['f32', 'f16', 'bf16', 'f8e4m3fn', 'i32', 'u8', 'bool'];
const RUNS = { numRuns: 30 };

const scalar = (v: number): TensorData => tensorOf('i32', [], [v]);

describe('concat', () => {
  it.each(DTYPES_MOVED)('%s: operands in order along the axis', (d) => {
    const arb = shapeArb(3, 3, 1).chain((shape) =>
      fc.tuple(fc.integer({ min: 0, max: shape.length - 1 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 })).chain(([axis, sizes]) =>
        fc.tuple(fc.constant(axis), fc.tuple(...sizes.map((n) => tensorArb(d, shape.map((s, i) => (i === axis ? n : s)))))),
      ),
    );
    fc.assert(
      fc.property(arb, ([axis, xs]) => {
        const parts = xs.map(naiveOf);
        const offsets = xs.map((_, k) => xs.slice(0, k).reduce((s, x) => s + x.shape[axis]!, 0));
        const total = xs.reduce((s, x) => s + x.shape[axis]!, 0);
        const want: NaiveTensor = {
          shape: xs[0]!.shape.map((s, i) => (i === axis ? total : s)),
          at: (idx) => {
            const k = offsets.findLastIndex((o, j) => idx[axis]! >= o && xs[j]!.shape[axis]! > idx[axis]! - o);
            return parts[k]!.at(idx.map((v, i) => (i === axis ? v - offsets[k]! : v)));
          },
        };
        expect(storageBitsOf(runOp('concat', xs, { axis }))).toEqual(materialize(want));
      }),
      RUNS,
    );
  });
});

describe('pad', () => {
  const PAD_VALUE: Record<string, number> = { f32: -Infinity, f16: -1.5, bf16: -0, f8e4m3fn: 448, i32: -7, u8: 200, bool: 1 };
  it.each(DTYPES_MOVED)('%s: lo/hi copies of the value around the input', (d) => {
    const padding = (rank: number) => fc.array(fc.integer({ min: 0, max: 2 }), { minLength: rank, maxLength: rank });
    const arb = shapeArb(3, 3).chain((shape) => fc.tuple(tensorArb(d, shape), padding(shape.length), padding(shape.length)));
    fc.assert(
      fc.property(arb, ([x, lo, hi]) => {
        const value = PAD_VALUE[d]!;
        const fill = storageBitsOf(tensorOf(d, [1], [encodeF32(value, d)]))[0]!;
        const inner = naiveOf(x);
        const want: NaiveTensor = {
          shape: x.shape.map((s, i) => lo[i]! + s + hi[i]!),
          at: (idx) => (idx.every((v, i) => v >= lo[i]! && v < lo[i]! + x.shape[i]!) ? inner.at(idx.map((v, i) => v - lo[i]!)) : fill),
        };
        expect(storageBitsOf(runOp('pad', [x], { lo, hi, value }))).toEqual(materialize(want));
      }),
      RUNS,
    );
  });
});

describe('dynamic slices clamp the runtime start into range', () => {
  const arb = shapeArb(3, 4, 1).chain((shape) =>
    fc.integer({ min: 0, max: shape.length - 1 }).chain((axis) =>
      fc.tuple(tensorArb('f32', shape), fc.constant(axis), fc.integer({ min: 0, max: shape[axis]! }), fc.integer({ min: -3, max: 7 })),
    ),
  );
  const clamp = (start: number, dim: number, size: number) => Math.min(Math.max(start, 0), dim - size);

  it('dynamic_slice', () => {
    fc.assert(
      fc.property(arb, ([x, axis, size, start]) => {
        const from = clamp(start, x.shape[axis]!, size);
        const src = naiveOf(x);
        const want: NaiveTensor = { shape: x.shape.map((s, i) => (i === axis ? size : s)), at: (idx) => src.at(idx.map((v, i) => (i === axis ? v + from : v))) };
        expect(storageBitsOf(runOp('dynamic_slice', [x, scalar(start)], { axis, size }))).toEqual(materialize(want));
      }),
      RUNS,
    );
  });

  it('dynamic_update_slice', () => {
    const withUpdate = arb.chain(([x, axis, size, start]) => fc.tuple(fc.constant(x), fc.constant(axis), tensorArb('f32', x.shape.map((s, i) => (i === axis ? size : s))), fc.constant(start)));
    fc.assert(
      fc.property(withUpdate, ([x, axis, u, start]) => {
        const from = clamp(start, x.shape[axis]!, u.shape[axis]!);
        const [src, upd] = [naiveOf(x), naiveOf(u)];
        const want: NaiveTensor = {
          shape: x.shape,
          at: (idx) => (idx[axis]! >= from && idx[axis]! < from + u.shape[axis]! ? upd.at(idx.map((v, i) => (i === axis ? v - from : v))) : src.at(idx)),
        };
        expect(storageBitsOf(runOp('dynamic_update_slice', [x, u, scalar(start)], { axis }))).toEqual(materialize(want));
      }),
      RUNS,
    );
  });

  it('leaves the operand it updates untouched (a KV cache passed in stays as it was)', () => {
    const x = tensorOf('f32', [4], [1, 2, 3, 4]);
    const out = runOp('dynamic_update_slice', [x, tensorOf('f32', [1], [9]), scalar(2)], { axis: 0 });
    expect(Array.from(out.data)).toEqual([1, 2, 9, 4]);
    expect(Array.from(x.data)).toEqual([1, 2, 3, 4]);
  });

  it('a dynamic_slice output does not alias the input it views', () => {
    const b = new GraphBuilder('ds');
    const x = b.input('x', { dtype: 'f32', shape: [4] });
    const start = b.input('start', { dtype: 'i32', shape: [] });
    const g = b.build({ out: b.op('dynamic_slice', [x, start], { axis: 0, size: 4 }) });
    const input = tensorOf('f32', [4], [1, 2, 3, 4]);
    const out = evaluate(g, { x: input, start: scalar(0) }).out!;
    expect(out.data).not.toBe(input.data);
    expect(Array.from(out.data)).toEqual([1, 2, 3, 4]);
  });
});
