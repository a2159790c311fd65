// A whole safetensors file in memory: the header of safetensors.ts and each tensor's little-endian bytes at its
// offset. For models built in memory (a training run's random start, its parameters replayed to find a NaN), read
// back through memoryFiles like any checkpoint.

import { encodeHeader, littleEndianBytes, type FileArray, type TensorSpec } from './safetensors.js';

export function safetensorsBytes(what: string, tensors: Readonly<Record<string, TensorSpec & { readonly data: FileArray }>>): Uint8Array {
  const { header, layout } = encodeHeader(what, tensors, undefined);
  const size = Math.max(header.length, ...[...layout.values()].map((t) => t.byteOffset + t.byteLength));
  const bytes = new Uint8Array(size);
  bytes.set(header, 0);
  for (const [name, info] of layout) {
    const data = littleEndianBytes(tensors[name]!.data);
    if (data.length !== info.byteLength) throw new RangeError(`${what}: tensor "${name}" has ${data.length} bytes of data, its shape and dtype need ${info.byteLength}`);
    bytes.set(data, info.byteOffset);
  }
  return bytes;
}
