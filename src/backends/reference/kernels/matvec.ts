// Small-M matmul (decode: M = 1 or a few rows): B is streamed in place, with no packing.
// Same semantics as gemm.ts: float64 sums in k order, one rounding to f32 on store.
//
// Two loop orders:
//  - axpy, when B's rows are contiguous (colStride 1, a row-major [K, N] weight): float64 row
//    accumulators, updated by 8 rows of B per pass for one row of A, or by 4 rows of B for two rows of A at once.
//  - dot, for every other layout (in particular B = the transpose of a row-major [N, K] weight, whose
//    columns are contiguous): dot products of A rows with B columns, 8 accumulators in registers:
//    one row against 8 columns, or two rows against 4 columns (fewer loads per multiply, so pairs
//    of rows run about 1.5x faster than two single rows).

import { readRow, storeTile, type MatView } from './gemm.js';

/** out = a @ b; the views have been checked by the caller (matmulF32). */
export function matmulSmallM(a: MatView, b: MatView, out: MatView): void {
  const aRows = new Float64Array(a.rows * a.cols);
  for (let m = 0; m < a.rows; m++) readRow(a, m, aRows.subarray(m * a.cols, (m + 1) * a.cols));
  if (b.colStride === 1) axpyRows(aRows, b, out);
  else dotColumns(aRows, b, out);
}

function dotColumns(aRows: Float64Array, b: MatView, out: MatView): void {
  const M = out.rows, N = out.cols, K = b.rows;
  const tile = new Float64Array(16);
  let m = 0;
  for (; m + 4 <= M; m += 4) {
    let n = 0;
    for (; n + 4 <= N; n += 4) {
      dot4x4(aRows, m * K, K, b, n, tile);
      storeTile(tile, 4, 4, 4, out, m, n);
    }
    for (; n < N; n++) dotTail(aRows, m, 4, b, n, out);
  }
  for (; m + 2 <= M; m += 2) {
    let n = 0;
    for (; n + 4 <= N; n += 4) {
      dot2x4(aRows, m * K, K, b, n, tile);
      storeTile(tile, 4, 2, 4, out, m, n);
    }
    for (; n < N; n++) dotTail(aRows, m, 2, b, n, out);
  }
  if (m < M) {
    let n = 0;
    for (; n + 8 <= N; n += 8) {
      dot1x8(aRows, m * K, K, b, n, tile);
      storeTile(tile, 8, 1, 8, out, m, n);
    }
    for (; n < N; n++) dotTail(aRows, m, 1, b, n, out);
  }
}

/**
 * tile[i*4 + j] = A[m+i, :] . B[:, n+j] for the four A rows starting at aRows[pa], aRows[pa + K], ...: gemm.ts's
 * 4x4 register tile, reading four columns of B in place instead of a packed panel.
 */
function dot4x4(aRows: Float64Array, pa: number, K: number, b: MatView, n: number, tile: Float64Array): void {
  const { data, rowStride: ks, colStride: ns } = b;
  const p0 = b.offset + n * ns, p1 = p0 + ns, p2 = p1 + ns, p3 = p2 + ns;
  const K2 = 2 * K, K3 = 3 * K;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let end = pa + K, q = 0; pa < end; pa++, q += ks) {
    const a0 = aRows[pa], a1 = aRows[pa + K], a2 = aRows[pa + K2], a3 = aRows[pa + K3];
    const b0 = data[p0 + q], b1 = data[p1 + q], b2 = data[p2 + q], b3 = data[p3 + q];
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

/** tile[i*4 + j] = A[m+i, :] . B[:, n+j] for A rows starting at aRows[pa] and aRows[pa + K]. */
function dot2x4(aRows: Float64Array, pa: number, K: number, b: MatView, n: number, tile: Float64Array): void {
  const { data, rowStride: ks, colStride: ns } = b;
  const p0 = b.offset + n * ns, p1 = p0 + ns, p2 = p1 + ns, p3 = p2 + ns;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  for (let end = pa + K, q = 0; pa < end; pa++, q += ks) {
    const a0 = aRows[pa], a1 = aRows[pa + K];
    const b0 = data[p0 + q], b1 = data[p1 + q], b2 = data[p2 + q], b3 = data[p3 + q];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
  }
  tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
  tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
}

/** tile[j] = A[m, :] . B[:, n+j] for the A row starting at aRows[pa]. */
function dot1x8(aRows: Float64Array, pa: number, K: number, b: MatView, n: number, tile: Float64Array): void {
  const { data, rowStride: ks, colStride: ns } = b;
  const p0 = b.offset + n * ns, p1 = p0 + ns, p2 = p1 + ns, p3 = p2 + ns;
  const p4 = p3 + ns, p5 = p4 + ns, p6 = p5 + ns, p7 = p6 + ns;
  let c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
  for (let end = pa + K, q = 0; pa < end; pa++, q += ks) {
    const ak = aRows[pa];
    c0 += ak * data[p0 + q]; c1 += ak * data[p1 + q]; c2 += ak * data[p2 + q]; c3 += ak * data[p3 + q];
    c4 += ak * data[p4 + q]; c5 += ak * data[p5 + q]; c6 += ak * data[p6 + q]; c7 += ak * data[p7 + q];
  }
  tile[0] = c0; tile[1] = c1; tile[2] = c2; tile[3] = c3;
  tile[4] = c4; tile[5] = c5; tile[6] = c6; tile[7] = c7;
}

/** The columns left over by the tiles: out[m..m+rows-1, n], one plain dot product each. */
function dotTail(aRows: Float64Array, m: number, rows: number, b: MatView, n: number, out: MatView): void {
  const K = b.rows;
  for (let i = m; i < m + rows; i++) {
    let c = 0;
    for (let pa = i * K, end = pa + K, q = b.offset + n * b.colStride; pa < end; pa++, q += b.rowStride) c += aRows[pa] * b.data[q];
    out.data[out.offset + i * out.rowStride + n * out.colStride] = c;
  }
}

function axpyRows(aRows: Float64Array, b: MatView, out: MatView): void {
  const { data, rowStride: ks, rows: K, cols: N } = b;
  const M = out.rows;
  const acc = new Float64Array(M * N);
  // One row takes 8 rows of B per pass; several take 4, two rows at a time sharing each load of B (measured: fewer
  // loads per multiply than 8 rows for one, and no spills).
  const step = M === 1 ? 8 : 4;
  let k = 0;
  for (; k + step <= K; k += step) {
    const r0 = b.offset + k * ks, r1 = r0 + ks, r2 = r1 + ks, r3 = r2 + ks;
    if (step === 8) {
      const r4 = r3 + ks, r5 = r4 + ks, r6 = r5 + ks, r7 = r6 + ks;
      const a0 = aRows[k], a1 = aRows[k + 1], a2 = aRows[k + 2], a3 = aRows[k + 3];
      const a4 = aRows[k + 4], a5 = aRows[k + 5], a6 = aRows[k + 6], a7 = aRows[k + 7];
      for (let n = 0; n < N; n++) {
        // Left to right, so each accumulator still sums in k order.
        acc[n] = acc[n] + a0 * data[r0 + n] + a1 * data[r1 + n] + a2 * data[r2 + n] + a3 * data[r3 + n] +
          a4 * data[r4 + n] + a5 * data[r5 + n] + a6 * data[r6 + n] + a7 * data[r7 + n];
      }
      continue;
    }
    let m = 0;
    for (; m + 2 <= M; m += 2) {
      const pa = m * K + k, pb = pa + K;
      const a0 = aRows[pa], a1 = aRows[pa + 1], a2 = aRows[pa + 2], a3 = aRows[pa + 3];
      const b0 = aRows[pb], b1 = aRows[pb + 1], b2 = aRows[pb + 2], b3 = aRows[pb + 3];
      for (let n = 0, p = m * N, q = p + N; n < N; n++, p++, q++) {
        const w0 = data[r0 + n], w1 = data[r1 + n], w2 = data[r2 + n], w3 = data[r3 + n];
        acc[p] = acc[p] + a0 * w0 + a1 * w1 + a2 * w2 + a3 * w3;
        acc[q] = acc[q] + b0 * w0 + b1 * w1 + b2 * w2 + b3 * w3;
      }
    }
    if (m < M) {
      const pa = m * K + k;
      const a0 = aRows[pa], a1 = aRows[pa + 1], a2 = aRows[pa + 2], a3 = aRows[pa + 3];
      for (let n = 0, p = m * N; n < N; n++, p++) acc[p] = acc[p] + a0 * data[r0 + n] + a1 * data[r1 + n] + a2 * data[r2 + n] + a3 * data[r3 + n];
    }
  }
  for (; k < K; k++) {
    const r = b.offset + k * ks;
    for (let m = 0; m < M; m++) {
      const ak = aRows[m * K + k];
      for (let n = 0, p = m * N; n < N; n++, p++) acc[p] += ak * data[r + n];
    }
  }
  storeTile(acc, N, M, N, out, 0, 0);
}
