// FP8 block dequantisation, the one place a quantised checkpoint weight becomes f32: the official
// `weight_dequant`, w[r, c] = e4m3(w8[r, c]) · scale_inv[r / b, c / b] for blocks of b (128 in DeepSeek-V3), one
// f32 multiply per element.
// Blocks at the right and bottom edges may be partial; scale_inv is a multiplier, not a divisor (quirk 9 of
// spec/golden/README.md §Quirks).

import { decodeFp8 } from '../../numerics/index.js';
import { blockScaleShape } from '../../ops/index.js';

/** Dequantises an [rows, cols] e4m3fn weight (raw bytes) with its block×block scales into a new Float32Array. */
export function dequantizeFp8(w8: Uint8Array, scaleInv: Float32Array, rows: number, cols: number, block: number): Float32Array {
  const [scaleRows, scaleCols] = blockScaleShape([rows, cols], block) as [number, number];
  if (w8.length !== rows * cols) throw new RangeError(`dequantizeFp8: ${w8.length} weight bytes for a [${rows}, ${cols}] matrix`);
  if (scaleInv.length !== scaleRows * scaleCols) throw new RangeError(`dequantizeFp8: ${scaleInv.length} scales, expected [${scaleRows}, ${scaleCols}]`);
  const w = decodeFp8(w8, 'f8e4m3fn');
  for (let r = 0; r < rows; r++) {
    const scaleRow = Math.floor(r / block) * scaleCols;
    for (let c = 0; c < cols; c++) w[r * cols + c] = w[r * cols + c]! * scaleInv[scaleRow + Math.floor(c / block)]!;
  }
  return w;
}
