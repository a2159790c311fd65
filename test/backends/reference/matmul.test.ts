// matmul (batched, operands read through transposed views) and gather_matmul against naive float64 triple loops.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../src/backends/reference/index.js';
import { GraphBuilder, type TensorData } from '../../../src/ir/index.js';
import { elementArb, encodeF32, expectClose, expectSameTensor, f32Arb, flatIndex, roundedValue, runOp, tensorArb, tensorOf, ulp, valueAt } from './harness.js';

type FloatD = 'f32' | 'f16' | 'bf16';
const FLOATS: FloatD[] = ['f32', 'f16', 'bf16'];

interface Case {
  readonly a: TensorData;
  /** b as stored: [...B, K, N], or [...B, N, K] when `transposed` (the graph permutes it, so matmul reads a view). */
  readonly b: TensorData;
  readonly transposed: boolean;
}

const dims = fc.integer({ min: 0, max: 5 });
/** Cases whose operand elements come from `elements` (storage elements of d; any value by default). */
const caseArb = (d: FloatD, elements = elementArb(d)): fc.Arbitrary<Case> =>
  fc
    .tuple(fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }), dims, dims, dims, fc.boolean())
    .chain(([batch, m, k, n, transposed]) =>
      fc.record({
        a: tensorArb(d, [...batch, m, k], elements),
        b: tensorArb(d, transposed ? [...batch, n, k] : [...batch, k, n], elements),
        transposed: fc.constant(transposed),
      }),
    );

function runMatmul({ a, b, transposed }: Case): TensorData {
  const g = new GraphBuilder('mm');
  const x = g.input('a', a);
  let y = g.input('b', b);
  const r = b.shape.length;
  if (transposed) y = g.op('permute', [y], { perm: [...b.shape.slice(0, -2).map((_, i) => i), r - 1, r - 2] });
  return evaluate(g.build({ out: g.op('matmul', [x, y]) }), { a, b }).out!;
}

/** For every output element, the float64 products a[m,k]·b[k,n] in k order. */
function products({ a, b, transposed }: Case): number[][] {
  const r = a.shape.length;
  const batch = a.shape.slice(0, -2);
  const [m, k] = [a.shape[r - 2]!, a.shape[r - 1]!];
  const n = transposed ? b.shape[r - 2]! : b.shape[r - 1]!;
  const out: number[][] = [];
  const batches = batch.reduce((x, y) => x * y, 1);
  for (let p = 0; p < batches; p++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const terms: number[] = [];
        for (let t = 0; t < k; t++) {
          const av = valueAt(a, flatIndex([batches, m, k], [p, i, t]));
          const bv = valueAt(b, transposed ? flatIndex([batches, n, k], [p, j, t]) : flatIndex([batches, k, n], [p, t, j]));
          terms.push(av * bv);
        }
        out.push(terms);
      }
    }
  }
  return out;
}

describe('matmul', () => {
  it.each(FLOATS)('%s: within 1e-6 of Σ|a·b| of the float64 sum (specials propagate)', (d) => {
    fc.assert(
      fc.property(caseArb(d), (c) => {
        const got = runMatmul(c);
        const terms = products(c);
        const sums = terms.map((t) => t.reduce((s, v) => s + v, 0));
        const scale = terms.map((t) => t.reduce((s, v) => s + Math.abs(v), 0));
        const actual = Array.from({ length: sums.length }, (_, i) => valueAt(got, i));
        expectClose(actual, sums.map((s) => roundedValue(s, d)), (i) => 1e-6 * scale[i]! + ulp(sums[i]!, d));
      }),
      { numRuns: 60 },
    );
  });

  it.each(FLOATS)('%s: exact when every product and partial sum is representable', (d) => {
    fc.assert(
      fc.property(caseArb(d, fc.integer({ min: -4, max: 4 }).map((v) => encodeF32(v, d))), (c) => {
        const want = products(c).map((t) => encodeF32(t.reduce((s, v) => s + v, 0), d));
        const got = runMatmul(c);
        expectSameTensor(got, tensorOf(d, got.shape, want));
      }),
      { numRuns: 30 },
    );
  });

  it('never skips a zero: 0 · inf is NaN', () => {
    const got = runOp('matmul', [tensorOf('f32', [1, 2], [0, 1]), tensorOf('f32', [2, 1], [Infinity, 1])]);
    expect(Number.isNaN(got.data[0])).toBe(true);
  });

  it('an empty contraction gives +0', () => {
    const got = runOp('matmul', [tensorOf('f32', [2, 0], []), tensorOf('f32', [0, 3], [])]);
    expect(Array.from(got.data)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('gather_matmul', () => {
  const problem = fc
    .tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 3 }))
    .chain(([r, k, n, e]) =>
      fc.tuple(
        fc.array(f32Arb, { minLength: r * k, maxLength: r * k }).map((v) => tensorOf('f32', [r, k], v)),
        fc.array(fc.integer({ min: -4, max: 4 }), { minLength: e * k * n, maxLength: e * k * n }).map((v) => tensorOf('f32', [e, k, n], v)),
        fc.array(fc.integer({ min: 0, max: e - 1 }), { minLength: r, maxLength: r }).map((v) => tensorOf('i32', [r], v)),
      ),
    );

  it('out[r] = x[r] @ w[ids[r]]', () => {
    fc.assert(
      fc.property(problem, ([x, w, ids]) => {
        const [r, k] = x.shape as [number, number];
        const n = w.shape[2]!;
        const sums: number[] = [];
        const scale: number[] = [];
        for (let i = 0; i < r; i++) {
          for (let j = 0; j < n; j++) {
            const terms = Array.from({ length: k }, (_, t) => (x.data[i * k + t] as number) * (w.data[flatIndex(w.shape, [ids.data[i]!, t, j])] as number));
            sums.push(terms.reduce((s, v) => s + v, 0));
            scale.push(terms.reduce((s, v) => s + Math.abs(v), 0));
          }
        }
        const got = runOp('gather_matmul', [x, w, ids]);
        expectClose(Array.from(got.data), sums.map((s) => Math.fround(s)), (i) => 1e-6 * scale[i]! + ulp(sums[i]!, 'f32'));
      }),
      { numRuns: 40 },
    );
  });

  it('rejects an expert id out of range, naming op, id, position and bound', () => {
    const x = tensorOf('f32', [2, 2], [1, 2, 3, 4]);
    const w = tensorOf('f32', [2, 2, 1], [1, 1, 1, 1]);
    expect(() => runOp('gather_matmul', [x, w, tensorOf('i32', [2], [1, 2])])).toThrow(/gather_matmul: id 2 at position \[1\] .*size 2/);
  });
});
