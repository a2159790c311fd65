// Chains of views (reshape, permute, broadcast, slice), generated at random: evaluated lazily they equal the naive
// definitions and the same chain with a copy after every step, and permute/broadcast/slice never copy.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  broadcastView,
  contiguous,
  copyTensor,
  evaluate,
  fromTensorData,
  permuteView,
  reshapeView,
  sliceView,
  toTensorData,
  type CpuTensor,
} from '../../../src/backends/reference/index.js';
import { GraphBuilder, type Attrs, type Shape, type TensorData, type Value } from '../../../src/ir/index.js';
import { storageBitsOf, tensorArb, shapeArb, runOp } from './harness.js';
import { materialize, naiveBroadcast, naiveOf, naivePermute, naiveReshape, naiveSlice, type NaiveTensor } from './naive-views.js';

interface Step {
  readonly op: 'reshape' | 'permute' | 'broadcast' | 'slice';
  readonly attrs: Attrs;
}

/** Turns random numbers into a view op that fits `shape` (`r` supplies as many numbers as needed). */
function stepFor(shape: Shape, kind: number, r: () => number): Step {
  const rank = shape.length;
  switch (kind % 4) {
    case 0: {
      // Reshape: split an axis at a divisor, merge two neighbours, or insert a unit axis.
      const a = rank ? r() % rank : 0;
      const d = shape[a] ?? 1;
      const divisor = [1, 2, 3].find((q) => d % q === 0 && (r() & 1)) ?? 1;
      const choice = r() % 3;
      const out = [...shape];
      if (choice === 0 && rank) out.splice(a, 1, divisor, d / divisor);
      else if (choice === 1 && a + 1 < rank) out.splice(a, 2, shape[a]! * shape[a + 1]!);
      else out.splice(a, 0, 1);
      return { op: 'reshape', attrs: { shape: out } };
    }
    case 1: {
      const keys = shape.map(() => r());
      return { op: 'permute', attrs: { perm: shape.map((_, i) => i).sort((i, j) => keys[i]! - keys[j]! || i - j) } };
    }
    case 2:
      return { op: 'broadcast', attrs: { shape: shape.map((d) => (d === 1 ? 1 + (r() % 3) : d)) } };
    default: {
      const starts = shape.map((d) => r() % (d + 1));
      const ends = shape.map((d, i) => starts[i]! + (r() % (d - starts[i]! + 1)));
      return { op: 'slice', attrs: { starts, ends, steps: shape.map(() => 1 + (r() % 3)) } };
    }
  }
}

const outShape = (shape: Shape, s: Step): Shape => {
  const a = s.attrs as Record<string, readonly number[]>;
  if (s.op === 'reshape' || s.op === 'broadcast') return a.shape!;
  if (s.op === 'permute') return a.perm!.map((p) => shape[p]!);
  return shape.map((_, k) => Math.ceil((a.ends![k]! - a.starts![k]!) / a.steps![k]!));
};

const chainArb = fc
  .tuple(shapeArb(3, 4), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), fc.array(fc.nat({ max: 1000 }), { minLength: 64, maxLength: 64 }))
  .chain(([shape, kinds, numbers]) => {
    let i = 0;
    const r = () => numbers[i++ % numbers.length]!;
    const steps: Step[] = [];
    let s: Shape = shape;
    for (const kind of kinds) {
      const step = stepFor(s, kind, r);
      steps.push(step);
      s = outShape(s, step);
    }
    return fc.tuple(tensorArb('f32', shape), fc.constant(steps));
  });

function applyNaive(x: NaiveTensor, s: Step): NaiveTensor {
  const a = s.attrs as Record<string, readonly number[]>;
  if (s.op === 'reshape') return naiveReshape(x, a.shape!);
  if (s.op === 'permute') return naivePermute(x, a.perm!);
  if (s.op === 'broadcast') return naiveBroadcast(x, a.shape!);
  return naiveSlice(x, a.starts!, a.ends!, a.steps!);
}

function applyView(x: CpuTensor, s: Step): CpuTensor {
  const a = s.attrs as Record<string, readonly number[]>;
  if (s.op === 'reshape') return reshapeView(x, a.shape!);
  if (s.op === 'permute') return permuteView(x, a.perm!);
  if (s.op === 'broadcast') return broadcastView(x, a.shape!);
  return sliceView(x, a.starts!, a.ends!, a.steps!);
}

describe('view chains', () => {
  it('evaluate to the naive definition, through the interpreter, bit for bit', () => {
    fc.assert(
      fc.property(chainArb, ([x, steps]) => {
        const b = new GraphBuilder('views');
        const out = steps.reduce<Value>((v, s) => b.op(s.op, [v], s.attrs), b.input('x', x));
        const got = evaluate(b.build({ out }), { x }).out!;
        expect(storageBitsOf(got)).toEqual(materialize(steps.reduce(applyNaive, naiveOf(x))));
      }),
    );
  });

  it('lazily equal the chain with a copy after every step; permute, broadcast and slice share storage', () => {
    fc.assert(
      fc.property(chainArb, ([x, steps]) => {
        const source = fromTensorData(x);
        let lazy = source;
        let copied = source;
        for (const s of steps) {
          const next = applyView(lazy, s);
          if (s.op !== 'reshape') expect(next.data).toBe(lazy.data);
          lazy = next;
          copied = copyTensor(applyView(copied, s));
        }
        expect(storageBitsOf(toTensorData(lazy))).toEqual(storageBitsOf(toTensorData(copied)));
      }),
    );
  });

  it('elementwise kernels read the strided views in place (x + x over a chain)', () => {
    fc.assert(
      fc.property(chainArb, ([x, steps]) => {
        const view = steps.reduce(applyView, fromTensorData(x));
        const dense = toTensorData(contiguous(view));
        const sum = runOp('add', [dense, dense]);
        const b = new GraphBuilder('views_add');
        const v = steps.reduce<Value>((acc, s) => b.op(s.op, [acc], s.attrs), b.input('x', x));
        const got = evaluate(b.build({ out: b.op('add', [v, v]) }), { x }).out!;
        expect(Array.from(got.data)).toEqual(Array.from(sum.data));
      }),
    );
  });
});

describe('reshape', () => {
  it('is a view of a contiguous tensor and of compatible strided ones, a copy otherwise', () => {
    const t = fromTensorData({ dtype: 'f32', shape: [2, 3, 4], data: new Float32Array(24).map((_, i) => i) } as TensorData);
    expect(reshapeView(t, [6, 4]).data).toBe(t.data);
    const transposed = permuteView(t, [1, 0, 2]);
    expect(reshapeView(transposed, [3, 2, 2, 2]).data).toBe(t.data);
    const merged = reshapeView(transposed, [6, 4]);
    expect(merged.data).not.toBe(t.data);
    expect(Array.from(toTensorData(merged).data.slice(0, 8))).toEqual([0, 1, 2, 3, 12, 13, 14, 15]);
  });
});
