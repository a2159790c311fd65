// f32 matrix multiply for the CPU backend: out[M,N] = A[M,K] @ B[K,N] over strided views.
//
// Semantics (normative, shared by every path in this file and in matvec.ts): each output element is
// the sum over k = 0..K-1 of A[m,k]*B[k,n], accumulated in a float64 starting from +0 strictly in k
// order, and rounded once to f32 on store. An f32*f32 product is exact in float64, so the result equals
// a naive double-accumulating triple loop bit for bit, and is at least as accurate as any f32 order.
// NaN and infinities propagate as IEEE says: zero entries are never skipped (0*inf = NaN). K = 0 gives +0.
//
// Views may have any element strides (a transposed weight is B with strides (1, K)) and are read in
// place. `out` must not overlap `a` or `b`. Epilogues (bias, activation, casts) are the caller's: the
// kernels only write raw f32 sums into `out`.
//
// Paths: small M streams B once (matvec.ts); otherwise B is packed into 4-column panels and A into
// 4-row panels, and a 4x4 register tile runs over the whole of K (no K blocking, which would need
// float64 partial sums outside registers to keep the single rounding). The tile size is written as a
// literal 4: Node 20 reloads a module-level constant inside hot loops (measured 20% slower).

import { matmulSmallM } from './matvec.js';

/** A strided 2-D window onto f32 storage: element (r, c) is data[offset + r*rowStride + c*colStride]. */
export interface MatView {
  data: Float32Array;
  offset: number;
  rows: number;
  cols: number;
  rowStride: number;
  colStride: number;
}

/** A row-major [rows, cols] view of the whole of `data` starting at `offset`. */
export function denseView(data: Float32Array, rows: number, cols: number, offset = 0): MatView {
  return { data, offset, rows, cols, rowStride: cols, colStride: 1 };
}

/** The transpose of `v` as a view of the same storage. */
export function transposedView(v: MatView): MatView {
  return { data: v.data, offset: v.offset, rows: v.cols, cols: v.rows, rowStride: v.colStride, colStride: v.rowStride };
}

/** B [K, N] as ceil(N/4) panels; panel p holds B[k, 4p..4p+3] at data[(p*K + k)*4 ..], zero-padded past N. */
export interface PackedB {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

/** At or below this many rows of A, matmulF32 streams B instead of packing it (measured: bench `gemm`). */
export const SMALL_M_MAX = 16;

/** out = a @ b for any strides; picks the small-M streaming path or packs b and runs the tiled kernel. */
export function matmulF32(a: MatView, b: MatView, out: MatView): void {
  checkMatmulShapes(a, b.rows, b.cols, out);
  checkView('b', b);
  if (a.rows <= SMALL_M_MAX) matmulSmallM(a, b, out);
  else gemmPacked(a, packB(b), out);
}

/** Copies b into 4-column panels, once per weight: pack a constant operand when it is first seen. */
export function packB(b: MatView): PackedB {
  checkView('b', b);
  const { rows: K, cols: N, data: src, rowStride: ks, colStride: ns } = b;
  const data = new Float32Array(Math.ceil(N / 4) * K * 4);
  // k outer and the 4 columns unrolled inside: reads stay sequential whichever stride is the unit one.
  let n = 0, d = 0;
  for (; n + 4 <= N; n += 4) {
    const s0 = b.offset + n * ns, s1 = s0 + ns, s2 = s1 + ns, s3 = s2 + ns;
    for (let q = 0, end = d + 4 * K; d < end; d += 4, q += ks) {
      data[d] = src[s0 + q]; data[d + 1] = src[s1 + q]; data[d + 2] = src[s2 + q]; data[d + 3] = src[s3 + q];
    }
  }
  for (let k = 0; n < N && k < K; k++, d += 4) {
    for (let j = 0; j < N - n; j++) data[d + j] = src[b.offset + k * ks + (n + j) * ns];
  }
  return { rows: K, cols: N, data };
}

/** out = a @ b with b already packed; a is packed 4 rows at a time into float64 panels. */
export function gemmPacked(a: MatView, b: PackedB, out: MatView): void {
  checkMatmulShapes(a, b.rows, b.cols, out);
  const M = a.rows, K = a.cols, N = b.cols;
  const panels = Math.ceil(N / 4);
  if (b.data.length !== panels * K * 4) {
    throw new RangeError(`gemmPacked: packed b of [${K}, ${N}] holds ${b.data.length} elements, expected ${panels * K * 4} (use packB)`);
  }
  const aPanel = new Float64Array(4 * K);
  const tile = new Float64Array(4 * 4);
  let m = 0;
  for (; m + 4 <= M; m += 4) {
    packARows(a, m, aPanel);
    for (let p = 0; p < panels; p++) {
      tile4x4(aPanel, b.data, p * K * 4, K, tile);
      storeTile(tile, 4, 4, Math.min(4, N - p * 4), out, m, p * 4);
    }
  }
  // The last M % 4 rows use a one-row kernel rather than padding A, so small M wastes no flops.
  const aRow = aPanel.subarray(0, K);
  for (; m < M; m++) {
    readRow(a, m, aRow);
    for (let p = 0; p < panels; p++) {
      tile1x4(aRow, b.data, p * K * 4, K, tile);
      storeTile(tile, 4, 1, Math.min(4, N - p * 4), out, m, p * 4);
    }
  }
}

/** Rows m..m+3 of a, interleaved: dst[k*4 + i] = A[m+i, k]. */
function packARows(a: MatView, m: number, dst: Float64Array): void {
  const { data, rowStride, colStride, cols: K } = a;
  for (let i = 0; i < 4; i++) {
    let s = a.offset + (m + i) * rowStride;
    for (let k = 0, d = i; k < K; k++, s += colStride, d += 4) dst[d] = data[s];
  }
}

/** Row m of a as float64: dst[k] = A[m, k]. Also used by the small-M path. */
export function readRow(a: MatView, m: number, dst: Float64Array): void {
  const { data, colStride, cols: K } = a;
  let s = a.offset + m * a.rowStride;
  for (let k = 0; k < K; k++, s += colStride) dst[k] = data[s];
}

/** tile[i*4 + j] = sum_k ap[k*4 + i] * bp[pb + k*4 + j], each in k order. */
function tile4x4(ap: Float64Array, bp: Float32Array, pb: number, K: number, tile: Float64Array): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let pa = 0, end = pb + 4 * K; pb < end; pa += 4, pb += 4) {
    const a0 = ap[pa], a1 = ap[pa + 1], a2 = ap[pa + 2], a3 = ap[pa + 3];
    const b0 = bp[pb], b1 = bp[pb + 1], b2 = bp[pb + 2], b3 = bp[pb + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
  tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
  tile[8] = c20; tile[9] = c21; tile[10] = c22; tile[11] = c23;
  tile[12] = c30; tile[13] = c31; tile[14] = c32; tile[15] = c33;
}

/** tile[j] = sum_k a[k] * bp[pb + k*4 + j], each in k order. */
function tile1x4(a: Float64Array, bp: Float32Array, pb: number, K: number, tile: Float64Array): void {
  let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
  for (let k = 0; k < K; k++, pb += 4) {
    const ak = a[k];
    c0 += ak * bp[pb]; c1 += ak * bp[pb + 1]; c2 += ak * bp[pb + 2]; c3 += ak * bp[pb + 3];
  }
  tile[0] = c0; tile[1] = c1; tile[2] = c2; tile[3] = c3;
}

/** out[m + i, n + j] = tile[i*pitch + j] for i < rows, j < cols. */
export function storeTile(tile: Float64Array, pitch: number, rows: number, cols: number, out: MatView, m: number, n: number): void {
  const { data, rowStride, colStride } = out;
  for (let i = 0; i < rows; i++) {
    let d = out.offset + (m + i) * rowStride + n * colStride;
    for (let j = 0; j < cols; j++, d += colStride) data[d] = tile[i * pitch + j];
  }
}

function checkMatmulShapes(a: MatView, bRows: number, bCols: number, out: MatView): void {
  if (a.cols !== bRows) throw new RangeError(`matmul: a is [${a.rows}, ${a.cols}] but b is [${bRows}, ${bCols}]; expected a.cols = b.rows`);
  if (out.rows !== a.rows || out.cols !== bCols) {
    throw new RangeError(`matmul: out is [${out.rows}, ${out.cols}], expected [${a.rows}, ${bCols}]`);
  }
  checkView('a', a);
  checkView('out', out);
}

/** Every element of a non-empty view must lie inside its data; strides may be negative or zero. */
function checkView(name: string, v: MatView): void {
  if (v.rows === 0 || v.cols === 0) return;
  const lastRow = (v.rows - 1) * v.rowStride, lastCol = (v.cols - 1) * v.colStride;
  const lo = v.offset + Math.min(0, lastRow) + Math.min(0, lastCol);
  const hi = v.offset + Math.max(0, lastRow) + Math.max(0, lastCol);
  const ints = [v.offset, v.rows, v.cols, v.rowStride, v.colStride].every(Number.isInteger);
  if (!ints || lo < 0 || hi >= v.data.length) {
    throw new RangeError(
      `matmul: view ${name} (offset ${v.offset}, shape [${v.rows}, ${v.cols}], strides [${v.rowStride}, ${v.colStride}]) ` +
        `reaches elements ${lo}..${hi}, expected integers within 0..${v.data.length - 1}`,
    );
  }
}
