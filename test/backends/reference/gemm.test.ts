// The f32 matmul kernels against a naive triple loop. Both sum in float64 in k order and round once, so
// every path must match it bit for bit (Object.is per element, so NaN matches NaN and -0 only -0).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { denseView, gemmPacked, matmulF32, packB, SMALL_M_MAX, transposedView, type MatView } from '../../../src/backends/reference/kernels/gemm.js';

/** How a logical [rows, cols] matrix sits in its storage. */
interface Layout {
  colMajor: boolean;
  /** Distance between neighbours along the inner dimension (2 leaves gaps). */
  step: number;
  /** Extra elements between the outer dimension's lines. */
  pad: number;
  offset: number;
  flipRows: boolean;
  flipCols: boolean;
}

const layoutArb: fc.Arbitrary<Layout> = fc.record({
  colMajor: fc.boolean(),
  step: fc.constantFrom(1, 1, 2),
  pad: fc.nat(3),
  offset: fc.nat(4),
  flipRows: fc.boolean(),
  flipCols: fc.boolean(),
});

function strides(rows: number, cols: number, l: Layout): { rowStride: number; colStride: number; length: number } {
  const inner = l.colMajor ? rows : cols;
  const outerStride = inner * l.step + l.pad;
  const [rowStride, colStride] = l.colMajor ? [l.step, outerStride] : [outerStride, l.step];
  return { rowStride, colStride, length: l.offset + (l.colMajor ? cols : rows) * outerStride };
}

function viewOf(data: Float32Array, rows: number, cols: number, l: Layout): MatView {
  const s = strides(rows, cols, l);
  let offset = l.offset, rowStride = s.rowStride, colStride = s.colStride;
  if (l.flipRows) [offset, rowStride] = [offset + (rows - 1) * rowStride, -rowStride];
  if (l.flipCols) [offset, colStride] = [offset + (cols - 1) * colStride, -colStride];
  return { data, offset, rows, cols, rowStride, colStride };
}

function naiveMatmul(a: MatView, b: MatView): Float32Array {
  const out = new Float32Array(a.rows * b.cols);
  for (let m = 0; m < a.rows; m++) {
    for (let n = 0; n < b.cols; n++) {
      let sum = 0;
      for (let k = 0; k < a.cols; k++) {
        sum += a.data[a.offset + m * a.rowStride + k * a.colStride] * b.data[b.offset + k * b.rowStride + n * b.colStride];
      }
      out[m * b.cols + n] = sum;
    }
  }
  return out;
}

const SENTINEL = 1234.5;

/** Checks out against the reference element by element, and that no storage outside the view was written. */
function expectMatches(out: MatView, expected: Float32Array, what: string): void {
  const inView = new Set<number>();
  for (let m = 0; m < out.rows; m++) {
    for (let n = 0; n < out.cols; n++) {
      const i = out.offset + m * out.rowStride + n * out.colStride;
      inView.add(i);
      const got = out.data[i], want = expected[m * out.cols + n];
      if (!Object.is(got, want)) expect.fail(`${what}: out[${m}, ${n}] = ${got}, expected ${want}`);
    }
  }
  out.data.forEach((v, i) => {
    if (!inView.has(i) && v !== SENTINEL) expect.fail(`${what}: wrote storage element ${i} outside the out view`);
  });
}

function freshOut(rows: number, cols: number, l: Layout): MatView {
  return viewOf(new Float32Array(strides(rows, cols, l).length).fill(SENTINEL), rows, cols, l);
}

// Small multiples of far-apart powers of two make float64 sums cancel and round, so a kernel that
// summed in another order would differ after the f32 rounding.
const cancellingF32 = fc.tuple(fc.integer({ min: -8, max: 8 }), fc.constantFrom(-30, 0, 30)).map(([m, e]) => m * 2 ** e);
const finiteF32 = fc.oneof(fc.float({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: -4, max: 4 }), cancellingF32);
const anyF32 = fc.oneof(
  { weight: 4, arbitrary: finiteF32 },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, 0, -0) },
);

interface Case {
  a: MatView;
  b: MatView;
  outLayout: Layout;
}

const plain: Layout = { colMajor: false, step: 1, pad: 0, offset: 0, flipRows: false, flipCols: false };
/** The two layouts a weight has in practice: row-major [K, N], and the transpose of a row-major [N, K]. */
const weightLayoutArb = fc.constantFrom<Layout>(plain, { ...plain, colMajor: true });

function caseArb(maxM: number, value: fc.Arbitrary<number>, bLayout = layoutArb, maxK = 20): fc.Arbitrary<Case> {
  const dims = fc.record({
    M: fc.integer({ min: 1, max: maxM }),
    K: fc.integer({ min: 1, max: maxK }),
    N: fc.integer({ min: 1, max: 20 }),
    la: layoutArb,
    lb: bLayout,
    outLayout: layoutArb,
  });
  const storage = (length: number) => fc.array(value, { minLength: length, maxLength: length }).map((v) => Float32Array.from(v));
  return dims.chain(({ M, K, N, la, lb, outLayout }) =>
    fc.record({ aData: storage(strides(M, K, la).length), bData: storage(strides(K, N, lb).length) }).map(({ aData, bData }) => ({
      a: viewOf(aData, M, K, la),
      b: viewOf(bData, K, N, lb),
      outLayout,
    })),
  );
}

function checkAllPaths({ a, b, outLayout }: Case): void {
  const expected = naiveMatmul(a, b);
  const viaDispatch = freshOut(a.rows, b.cols, outLayout);
  matmulF32(a, b, viaDispatch);
  expectMatches(viaDispatch, expected, 'matmulF32');
  const viaPacked = freshOut(a.rows, b.cols, outLayout);
  gemmPacked(a, packB(b), viaPacked);
  expectMatches(viaPacked, expected, 'gemmPacked');
}

describe('matmulF32 and gemmPacked', () => {
  it('equal the naive loop bit for bit on small M (streaming path), any strides', () => {
    fc.assert(fc.property(caseArb(SMALL_M_MAX, finiteF32), checkAllPaths));
  });

  it('equal the naive loop bit for bit on large M (packed path), any strides', () => {
    fc.assert(fc.property(caseArb(SMALL_M_MAX + 20, finiteF32), checkAllPaths), { numRuns: 60 });
  });

  it('equal the naive loop bit for bit with weight layouts and long K, on every path', () => {
    fc.assert(fc.property(caseArb(SMALL_M_MAX + 8, cancellingF32, weightLayoutArb, 70), checkAllPaths));
  });

  it('sum in k order: 1 + 2^60 - 2^60 is 0 only when the 1 is absorbed first', () => {
    // Column n of B is zero except 1, 2^60, -2^60 at rows j_n..j_n+2; any other grouping gives 1.
    const witness = fc
      .record({ M: fc.integer({ min: 1, max: SMALL_M_MAX + 8 }), K: fc.integer({ min: 3, max: 40 }), N: fc.integer({ min: 1, max: 12 }) })
      .chain(({ M, K, N }) => fc.record({ M: fc.constant(M), K: fc.constant(K), starts: fc.array(fc.nat(K - 3), { minLength: N, maxLength: N }), lb: weightLayoutArb }));
    fc.assert(
      fc.property(witness, ({ M, K, starts, lb }) => {
        const N = starts.length;
        const b = viewOf(new Float32Array(strides(K, N, lb).length), K, N, lb);
        starts.forEach((j, n) => [1, 2 ** 60, -(2 ** 60)].forEach((v, i) => (b.data[b.offset + (j + i) * b.rowStride + n * b.colStride] = v)));
        const a = denseView(new Float32Array(M * K).fill(1), M, K);
        checkAllPaths({ a, b, outLayout: plain });
        expect(naiveMatmul(a, b).every((v) => v === 0)).toBe(true);
      }),
    );
  });

  it('propagate NaN and infinities as IEEE arithmetic does', () => {
    fc.assert(fc.property(caseArb(SMALL_M_MAX + 8, anyF32), checkAllPaths));
  });

  it('never skip a zero: 0 * inf is NaN on every path', () => {
    for (const M of [1, 2, 5, SMALL_M_MAX + 3]) {
      const a = denseView(new Float32Array(M * 9), M, 9);
      const weight = denseView(new Float32Array(9 * 9).fill(1), 9, 9);
      weight.data[4 * 9 + 4] = Infinity; // row 4 of [N, K] and of [K, N] alike
      for (const b of [weight, transposedView(weight)]) {
        const out = denseView(new Float32Array(M * 9), M, 9);
        matmulF32(a, b, out);
        expect(Number.isNaN(out.data[4])).toBe(true);
        expect(out.data[3]).toBe(0);
      }
    }
  });

  it('sum long rows exactly like the naive loop (K past every unrolled block)', () => {
    const data = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.round(Math.sin(i * 12.9898) * 8) * 2 ** (30 * ((i % 3) - 1)));
    for (const [M, K, N] of [[1, 1031, 37], [3, 517, 29], [37, 301, 45]] as const) {
      const a = denseView(data(M * K), M, K);
      for (const b of [denseView(data(K * N), K, N), transposedView(denseView(data(N * K), N, K))]) {
        checkAllPaths({ a, b, outLayout: plain });
      }
    }
  });

  it('reuse one packed B across calls with different A', () => {
    fc.assert(
      fc.property(caseArb(SMALL_M_MAX + 12, finiteF32), fc.integer({ min: 1, max: 30 }), ({ a, b, outLayout }, M2) => {
        const packed = packB(b);
        const a2 = denseView(Float32Array.from({ length: M2 * a.cols }, (_, i) => (i % 7) - 3.5), M2, a.cols);
        for (const x of [a, a2, a]) {
          const out = freshOut(x.rows, b.cols, outLayout);
          gemmPacked(x, packed, out);
          expectMatches(out, naiveMatmul(x, b), 'gemmPacked with a reused PackedB');
        }
      }),
      { numRuns: 40 },
    );
  });

  it('handle empty dimensions: K = 0 gives +0, M or N = 0 writes nothing', () => {
    for (const [M, K, N] of [[3, 0, 2], [20, 0, 5], [0, 4, 3], [2, 4, 0], [0, 0, 0]] as const) {
      const out = denseView(new Float32Array(M * N).fill(SENTINEL), M, N);
      matmulF32(denseView(new Float32Array(M * K), M, K), denseView(new Float32Array(K * N), K, N), out);
      expect(out.data.every((v) => Object.is(v, 0))).toBe(true);
    }
  });

  it('reject mismatched shapes and views that leave their storage, naming the operand', () => {
    const a = denseView(new Float32Array(6), 2, 3);
    expect(() => matmulF32(a, denseView(new Float32Array(8), 4, 2), denseView(new Float32Array(4), 2, 2))).toThrow(/a.cols = b.rows/);
    expect(() => matmulF32(a, denseView(new Float32Array(6), 3, 2), denseView(new Float32Array(6), 2, 3))).toThrow(/out is \[2, 3\], expected \[2, 2\]/);
    const tooShort = { ...denseView(new Float32Array(5), 3, 2), offset: 1 };
    expect(() => matmulF32(a, tooShort, denseView(new Float32Array(4), 2, 2))).toThrow(/view b/);
    expect(() => packB({ ...tooShort, rowStride: -2 })).toThrow(/view b .* reaches elements -3\.\.2/);
    const packed = packB(denseView(new Float32Array(6), 3, 2));
    expect(() => gemmPacked(a, { ...packed, cols: 5 }, denseView(new Float32Array(10), 2, 5))).toThrow(/holds 12 elements, expected 24/);
  });
});
