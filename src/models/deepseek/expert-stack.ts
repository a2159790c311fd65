// A stacked routed-expert weight [E, in, out], filled expert by expert: an expert's [out, in] checkpoint tensor is
// read and transposed into its slice the first time a kernel asks for it. A stack of bf16 or f16 experts is held in
// that dtype (gather_matmul and the claimed moe widen it as they read); any other is held in f32 (bf16 bits are the
// top half of the f32's, so an f32 stack widens them in the same pass). The whole stack is allocated at once, but
// the pages of a fresh (zero-filled) ArrayBuffer are not resident until written, so experts that no token selects
// cost neither disk reads nor memory.

import { tensorData, type SlicedWeight, type TensorData } from '../../ir/index.js';
import type { StackedSlot, TensorSlot } from './layout.js';

/** One expert's checkpoint tensor [out, in]: bf16 or f16 bits as stored, or f32 values (any other dtype, converted). */
export type ExpertTensor = { readonly bf16: Uint16Array } | { readonly f16: Uint16Array } | { readonly f32: Float32Array };

export class ExpertStack implements SlicedWeight {
  readonly tensor: TensorData;
  private readonly loaded: Uint8Array;
  /** The stack's storage as bit patterns: 16-bit for a bf16 or f16 stack, 32-bit for f32. */
  private readonly bits: Uint16Array | Uint32Array;

  constructor(
    private readonly slot: StackedSlot,
    private readonly read: (part: TensorSlot) => ExpertTensor,
  ) {
    const [E, inDim, outDim] = slot.shape as [number, number, number];
    const what = `weight "${slot.name}"`;
    if (slot.stored === 'bf16' || slot.stored === 'f16') {
      this.bits = new Uint16Array(E * inDim * outDim);
      this.tensor = tensorData(slot.stored, slot.shape, this.bits, what);
    } else {
      const data = new Float32Array(E * inDim * outDim);
      this.tensor = tensorData('f32', slot.shape, data, what);
      this.bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
    }
    this.loaded = new Uint8Array(E);
  }

  load(expert: number): void {
    if (this.loaded[expert] === 1) return;
    const part = this.slot.parts[expert];
    if (part === undefined) throw new RangeError(`weight "${this.slot.name}": expert ${expert} out of range [0, ${this.slot.parts.length})`);
    const [, inDim, outDim] = this.slot.shape as [number, number, number];
    const w = this.read(part);
    const base = expert * inDim * outDim;
    const dtype = this.tensor.dtype;
    if (dtype === 'f32' && 'f32' in w) transposeInto(new Uint32Array(w.f32.buffer, w.f32.byteOffset, w.f32.length), 0, outDim, inDim, this.bits, base);
    else if (dtype === 'f32' && 'bf16' in w) transposeInto(w.bf16, 16, outDim, inDim, this.bits, base);
    else if (dtype === 'bf16' && 'bf16' in w) transposeInto(w.bf16, 0, outDim, inDim, this.bits, base);
    else if (dtype === 'f16' && 'f16' in w) transposeInto(w.f16, 0, outDim, inDim, this.bits, base);
    else {
      const takes = dtype === 'f32' ? 'bf16 bits or f32 values' : `${dtype} bits`;
      throw new TypeError(`weight "${this.slot.name}": expert tensor "${part.name}" came as ${Object.keys(w)[0]}; a ${dtype} stack takes ${takes}`);
    }
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
export function transposeInto(src: Uint16Array | Uint32Array, shift: number, rows: number, cols: number, dst: Uint16Array | Uint32Array, offset: number): void {
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(r0 + TILE, rows);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(c0 + TILE, cols);
      for (let c = c0; c < c1; c++) for (let r = r0, d = offset + c * rows + r0; r < r1; r++, d++) dst[d] = src[r * cols + c]! << shift;
    }
  }
}
