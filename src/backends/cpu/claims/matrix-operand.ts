// A matrix operand of a claimed kernel (a projection weight, one head's slice of one, one expert): products with
// it go to the shared GEMM kernels. A constant operand is packed once, the first time a product has enough rows
// for the packed kernel, as compiled contractions do with constant weights; the packed data is then reused by
// every later run. A bf16 or f16 operand is widened a block at a time into scratch space, never whole.

import { gemmPacked, matmulF32, packB, type MatView, type PackedB } from '../../reference/kernels/gemm.js';
import type { DType, StorageArray } from '../../../ir/index.js';
import { decodeBf16, decodeF16 } from '../../../numerics/index.js';

/**
 * From this many rows, a product with an operand packed beforehand beats streaming the operand (measured with the
 * foundation kernels on [1024, 512] operands in either layout: 1.2-2x from 4 rows, equal or slower below). Lower
 * than matmulF32's SMALL_M_MAX, which also counts the packing; a constant operand is packed only once.
 */
const PACKED_MIN_ROWS = 4;

/** Where a claimed kernel widens blocks of its narrow weights: one buffer, grown as needed, reused block after block. */
export class WideningScratch {
  private data = new Float32Array(0);

  take(length: number): Float32Array {
    if (this.data.length < length) this.data = new Float32Array(length);
    return this.data.subarray(0, length);
  }
}

/** How a claimed kernel reads a weight operand: whether it is constant (may be packed), its dtype, where it widens. */
export interface OperandForm {
  readonly constant: boolean;
  readonly dtype: DType;
  readonly scratch: WideningScratch;
}

/** Rows `first` .. `first + count` of a row-major bf16 or f16 matrix of `cols` columns, widened (exactly) into `scratch`. */
function widenRows(form: OperandForm, data: StorageArray, first: number, count: number, cols: number): Float32Array {
  if (!(data instanceof Uint16Array) || (form.dtype !== 'bf16' && form.dtype !== 'f16')) throw new TypeError(`cpu claim: a narrow weight must be bf16 or f16 storage, not ${form.dtype}`);
  const rows = data.subarray(first * cols, (first + count) * cols);
  const into = form.scratch.take(rows.length);
  return form.dtype === 'bf16' ? decodeBf16(rows, into) : decodeF16(rows, into);
}

/** A vector operand (a norm's weight, a bias) as f32 values: the storage itself, or a widened copy (vectors are small). */
export function f32Vector(dtype: DType, data: StorageArray): Float32Array {
  if (dtype === 'f32' && data instanceof Float32Array) return data;
  if (data instanceof Uint16Array && (dtype === 'bf16' || dtype === 'f16')) return dtype === 'bf16' ? decodeBf16(data) : decodeF16(data);
  throw new TypeError(`cpu claim: a vector operand must be f32, bf16 or f16 storage, not ${dtype}`);
}

export interface MatrixOperand {
  /** out = a @ B, with B read from `data` (the operand's storage at this run). */
  multiply(data: StorageArray, a: MatView, out: MatView): void;
}

class F32Matrix implements MatrixOperand {
  private packed: PackedB | undefined;

  constructor(
    /** B as a view of the operand's storage. */
    private readonly view: (data: Float32Array) => MatView,
    private readonly constant: boolean,
  ) {}

  multiply(data: StorageArray, a: MatView, out: MatView): void {
    if (!(data instanceof Float32Array)) throw new TypeError('cpu claim: an f32 matrix operand must be f32 storage');
    if (this.constant && a.rows >= PACKED_MIN_ROWS) {
      this.packed ??= packB(this.view(data));
      gemmPacked(a, this.packed, out);
    } else {
      matmulF32(a, this.view(data), out);
    }
  }
}

/**
 * Columns of a narrow linear weight widened per block: each output is its own k-ordered sum, so blocks of columns
 * give the results of the whole product.
 */
const COLUMN_BLOCK = 64;

/**
 * B = Wᵀ [inFeatures, count] for rows `first` .. `first + count` of a row-major W [., inFeatures]: the weight of
 * torch's `linear`, stored [out_features, in_features]. A narrow W is widened COLUMN_BLOCK rows at a time.
 */
export function linearWeight(form: OperandForm, inFeatures: number, count: number, first = 0): MatrixOperand {
  if (form.dtype === 'f32') return new F32Matrix((data) => ({ data, offset: first * inFeatures, rows: inFeatures, cols: count, rowStride: 1, colStride: inFeatures }), form.constant);
  return {
    multiply(data, a, out) {
      for (let n0 = 0; n0 < count; n0 += COLUMN_BLOCK) {
        const width = Math.min(COLUMN_BLOCK, count - n0);
        const block = widenRows(form, data, first + n0, width, inFeatures);
        const b = { data: block, offset: 0, rows: inFeatures, cols: width, rowStride: 1, colStride: inFeatures };
        matmulF32(a, b, { ...out, offset: out.offset + n0 * out.colStride, cols: width });
      }
    },
  };
}

/** B = rows `first` .. `first + count` of a row-major W [., cols], as they are (a narrow W widened whole: a head's or an expert's block). */
export function rowBlock(form: OperandForm, cols: number, count: number, first = 0): MatrixOperand {
  if (form.dtype === 'f32') return new F32Matrix((data) => ({ data, offset: first * cols, rows: count, cols, rowStride: cols, colStride: 1 }), form.constant);
  return { multiply: (data, a, out) => matmulF32(a, { data: widenRows(form, data, first, count, cols), offset: 0, rows: count, cols, rowStride: cols, colStride: 1 }, out) };
}

/** A strided matrix view: `rows` x `cols` at data[offset + r·rowStride + c]. */
export const rowsView = (data: Float32Array, offset: number, rows: number, cols: number, rowStride = cols): MatView => ({ data, offset, rows, cols, rowStride, colStride: 1 });
