// A matrix operand of a claimed kernel (a projection weight, one head's slice of one, one expert): products with
// it go to the shared GEMM kernels. A constant operand is packed once, the first time a product has enough rows
// for the packed kernel, as compiled contractions do with constant weights; the packed data is then reused by
// every later run.

import { gemmPacked, matmulF32, packB, type MatView, type PackedB } from '../../reference/kernels/gemm.js';

/**
 * From this many rows, a product with an operand packed beforehand beats streaming the operand (measured with the
 * foundation kernels on [1024, 512] operands in either layout: 1.2-2x from 4 rows, equal or slower below). Lower
 * than matmulF32's SMALL_M_MAX, which also counts the packing; a constant operand is packed only once.
 */
const PACKED_MIN_ROWS = 4;

export class MatrixOperand {
  private packed: PackedB | undefined;

  constructor(
    /** B as a view of the operand's storage. */
    private readonly view: (data: Float32Array) => MatView,
    private readonly constant: boolean,
  ) {}

  /** out = a @ B, with B viewed in `data` (the operand's storage at this run). */
  multiply(data: Float32Array, a: MatView, out: MatView): void {
    if (this.constant && a.rows >= PACKED_MIN_ROWS) {
      this.packed ??= packB(this.view(data));
      gemmPacked(a, this.packed, out);
    } else {
      matmulF32(a, this.view(data), out);
    }
  }
}

/**
 * B = Wᵀ [inFeatures, count] for rows `first` .. `first + count` of a row-major W [., inFeatures]: the weight of
 * torch's `linear`, stored [out_features, in_features].
 */
export const linearWeight = (constant: boolean, inFeatures: number, count: number, first = 0): MatrixOperand =>
  new MatrixOperand((data) => ({ data, offset: first * inFeatures, rows: inFeatures, cols: count, rowStride: 1, colStride: inFeatures }), constant);

/** B = rows `first` .. `first + count` of a row-major W [., cols], as they are. */
export const rowBlock = (constant: boolean, cols: number, count: number, first = 0): MatrixOperand =>
  new MatrixOperand((data) => ({ data, offset: first * cols, rows: count, cols, rowStride: cols, colStride: 1 }), constant);

/** A strided matrix view: `rows` x `cols` at data[offset + r·rowStride + c]. */
export const rowsView = (data: Float32Array, offset: number, rows: number, cols: number, rowStride = cols): MatView => ({ data, offset, rows, cols, rowStride, colStride: 1 });
