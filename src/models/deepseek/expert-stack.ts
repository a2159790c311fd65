// A stacked routed-expert weight [E, in, out], filled expert by expert: an expert's [out, in] checkpoint tensor is
// read and transposed into its slice the first time a kernel asks for it (bf16 is widened to f32 in the same pass:
// its bits are the top half of the f32's). The whole stack is allocated at once, but the pages of a fresh
// (zero-filled) ArrayBuffer are not resident until written, so experts that no token selects cost neither disk
// reads nor memory.

import { tensorData, type SlicedWeight, type TensorData } from '../../ir/index.js';
import type { StackedSlot, TensorSlot } from './layout.js';

/** One expert's checkpoint tensor [out, in]: bf16 bits as stored, or f32 values (any other dtype, converted). */
export type ExpertTensor = { readonly bf16: Uint16Array } | { readonly f32: Float32Array };

export class ExpertStack implements SlicedWeight {
  readonly tensor: TensorData;
  private readonly loaded: Uint8Array;
  /** The stack's f32 storage as bit patterns. */
  private readonly bits: Uint32Array;

  constructor(
    private readonly slot: StackedSlot,
    private readonly read: (part: TensorSlot) => ExpertTensor,
  ) {
    const [E, inDim, outDim] = slot.shape as [number, number, number];
    this.tensor = tensorData('f32', slot.shape, new Float32Array(E * inDim * outDim), `weight "${slot.name}"`);
    this.loaded = new Uint8Array(E);
    const data = this.tensor.data as Float32Array;
    this.bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  }

  load(expert: number): void {
    if (this.loaded[expert] === 1) return;
    const part = this.slot.parts[expert];
    if (part === undefined) throw new RangeError(`weight "${this.slot.name}": expert ${expert} out of range [0, ${this.slot.parts.length})`);
    const [, inDim, outDim] = this.slot.shape as [number, number, number];
    const w = this.read(part);
    const base = expert * inDim * outDim;
    if ('bf16' in w) transposeInto(w.bf16, 16, outDim, inDim, this.bits, base);
    else transposeInto(new Uint32Array(w.f32.buffer, w.f32.byteOffset, w.f32.length), 0, outDim, inDim, this.bits, base);
    this.loaded[expert] = 1;
  }

  /** Every expert loaded: the stack as a plain tensor. */
  whole(): TensorData {
    for (let e = 0; e < this.slot.parts.length; e++) this.load(e);
    return this.tensor;
  }
}

/** Square tiles of the transpose: both the rows read and the rows written stay in cache within one. */
const TILE = 32;

/**
 * dst[offset + c * rows + r] = src[r * cols + c] << shift: the transpose of the row-major [rows, cols] bit patterns
 * of src (shifted into f32 position: 16 for bf16, 0 for f32), tile by tile.
 */
export function transposeInto(src: Uint16Array | Uint32Array, shift: number, rows: number, cols: number, dst: Uint32Array, offset: number): void {
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(r0 + TILE, rows);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(c0 + TILE, cols);
      for (let c = c0; c < c1; c++) for (let r = r0, d = offset + c * rows + r0; r < r1; r++, d++) dst[d] = src[r * cols + c]! << shift;
    }
  }
}
