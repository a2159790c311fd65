// matmul and gather_matmul. f32 operands go to the strided GEMM in place (float64 sums, one rounding); f16 and
// bf16 are decoded to f32, multiplied the same way, and the f32 result is rounded to the dtype. Narrow experts
// under f32 rows are decoded expert by expert and the result stays f32.

import { numel, type Shape, type SlicedWeight } from '../../../ir/index.js';
import { denseView, matmulF32, type MatView } from './gemm.js';
import { allocate, contiguous, f32Storage, i32Storage, type CpuTensor } from '../tensor.js';
import { cast } from './cast.js';
import { checkIndices } from './index-bounds.js';

/** The [rows, cols] matrix of the last two axes of `t`, starting at element offset `offset`. */
function matrixAt(t: CpuTensor, offset: number): MatView {
  const r = t.shape.length;
  return {
    data: f32Storage(t, 'matmul'),
    offset,
    rows: t.shape[r - 2]!,
    cols: t.shape[r - 1]!,
    rowStride: t.strides[r - 2]!,
    colStride: t.strides[r - 1]!,
  };
}

/** The storage offset of batch number `flat` (row-major over `batch`) in `t`. */
function batchOffset(t: CpuTensor, flat: number, batch: Shape): number {
  let offset = t.offset;
  for (let i = batch.length - 1; i >= 0; i--) {
    offset += (flat % batch[i]!) * t.strides[i]!;
    flat = Math.floor(flat / batch[i]!);
  }
  return offset;
}

/** Runs an f32 product on f16/bf16 operands and rounds the result back. */
function viaF32(operands: readonly CpuTensor[], product: (f32: CpuTensor[]) => CpuTensor): CpuTensor {
  const dtype = operands[0]!.dtype;
  if (dtype === 'f32') return product([...operands]);
  return cast(product(operands.map((t) => cast(t, 'f32'))), dtype);
}

/** a[...B, M, K] @ b[...B, K, N] -> [...B, M, N]. */
export function matmul(a: CpuTensor, b: CpuTensor): CpuTensor {
  return viaF32([a, b], ([x, y]) => {
    const r = x!.shape.length;
    const batch = x!.shape.slice(0, -2);
    const [m, n] = [x!.shape[r - 2]!, y!.shape[r - 1]!];
    const out = allocate('f32', [...batch, m, n]);
    const outData = f32Storage(out, 'matmul');
    for (let i = 0; i < numel(batch); i++) {
      matmulF32(matrixAt(x!, batchOffset(x!, i, batch)), matrixAt(y!, batchOffset(y!, i, batch)), denseView(outData, m, n, i * m * n));
    }
    return out;
  });
}

/** Expert `e` of w [E, K, N] as an f32 [K, N] view: in place when f32, else widened (exactly) into a copy. */
function expertF32(w: CpuTensor, e: number): CpuTensor {
  const expert = { ...w, shape: w.shape.slice(1), strides: w.strides.slice(1), offset: w.offset + e * w.strides[0]! };
  return cast(expert, 'f32');
}

/**
 * x[R, K], w[E, K, N], ids[R] -> [R, N] with out[r] = x[r] @ w[ids[r]]; only the selected experts are read, and
 * narrow experts under f32 rows are widened one expert at a time. When `w` is the storage of `experts`, each
 * selected expert is loaded into it first.
 */
export function gatherMatmul(x: CpuTensor, w: CpuTensor, ids: CpuTensor, experts?: SlicedWeight): CpuTensor {
  const idx = contiguous(ids);
  const idData = i32Storage(idx, 'gather_matmul');
  const [rows, count, n] = [x.shape[0]!, w.shape[0]!, w.shape[2]!];
  checkIndices('gather_matmul', 'id', idData, idx.offset, idx.shape, count, 'the expert axis of w');
  const expertOf = (r: number) => idData[idx.offset + r]!;
  if (experts) for (let r = 0; r < rows; r++) experts.load(expertOf(r));
  const perExpert = x.dtype === 'f32' && w.dtype !== 'f32';
  return viaF32(perExpert ? [x] : [x, w], ([xf, wf]) => {
    const out = allocate('f32', [rows, n]);
    const outData = f32Storage(out, 'gather_matmul');
    // Each row's sum is its own, so rows may run expert by expert: one widened expert at a time.
    const order = Array.from({ length: rows }, (_, r) => r).sort((a, b) => expertOf(a) - expertOf(b));
    let matrix: MatView | undefined;
    order.forEach((r, i) => {
      if (i === 0 || expertOf(r) !== expertOf(order[i - 1]!)) {
        const e = expertOf(r);
        matrix = perExpert ? matrixAt(expertF32(w, e), 0) : matrixAt(wf!, wf!.offset + e * wf!.strides[0]!);
      }
      const row = { ...matrixAt(xf!, xf!.offset + r * xf!.strides[0]!), rows: 1 };
      matmulF32(row, matrix!, denseView(outData, 1, n, r * n));
    });
    return out;
  });
}
