// Moving tensor data between host storage arrays and GPU storage buffers. WGSL has no 8- or 16-bit storage types,
// so narrow dtypes travel packed: bf16/f16 two per u32 word and fp8/u8/bool four per word, element i in the bits
// 8*size*(i % per-word) of word i / per-word. That is exactly the little-endian byte layout of the host array, so a
// transfer copies bytes and only pads the length to whole words.

import type { DType, StorageArray } from '../../ir/dtype.js';
import { byteSize, viewStorage } from '../../ir/dtype.js';
import type { BufferPool } from './buffer-pool.js';
import { MAP_MODE_READ } from './buffer-usage.js';
import type { WebGpuDevice } from './device.js';

/** Bytes a GPU buffer needs for `n` elements of `dtype`: whole u32 words. */
export function packedByteLength(dtype: DType, n: number): number {
  return Math.ceil((n * byteSize(dtype)) / 4) * 4;
}

/** Writes `data` into `buffer` from byte 0 (the buffer must hold its packed length); the padding bytes are zero. */
export function writeStorage(gpu: WebGpuDevice, buffer: GPUBuffer, data: StorageArray): void {
  const device = gpu.use(`upload ${data.length} elements to "${buffer.label}"`);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const padded = bytes.byteLength % 4 === 0 ? bytes : new Uint8Array(Math.ceil(bytes.byteLength / 4) * 4);
  if (padded !== bytes) padded.set(bytes);
  if (padded.byteLength > buffer.size) {
    throw new RangeError(`upload to "${buffer.label}": ${padded.byteLength} bytes do not fit its ${buffer.size}`);
  }
  device.queue.writeBuffer(buffer, 0, padded.buffer, padded.byteOffset, padded.byteLength);
}

/** A buffer from `pool` (one with STORAGE_USAGE) holding `data` (release it to the pool when done). */
export function uploadStorage(gpu: WebGpuDevice, pool: BufferPool, data: StorageArray): GPUBuffer {
  const buffer = pool.acquire(Math.max(Math.ceil(data.byteLength / 4) * 4, 4));
  writeStorage(gpu, buffer, data);
  return buffer;
}

/**
 * Reads `n` elements of `dtype` from the start of `buffer` into a new storage array, through a staging buffer
 * taken from `staging` (a pool with buffer-usage's READBACK_USAGE). Work submitted before the call is included.
 */
export async function readStorage(gpu: WebGpuDevice, staging: BufferPool, buffer: GPUBuffer, dtype: DType, n: number): Promise<StorageArray> {
  const what = `read back ${n} ${dtype} elements from "${buffer.label}"`;
  const bytes = packedByteLength(dtype, n);
  if (bytes > buffer.size) throw new RangeError(`${what}: they take ${bytes} bytes but the buffer has ${buffer.size}`);
  const out = new ArrayBuffer(bytes);
  if (bytes === 0) return viewStorage(dtype, out, 0, 0);
  const device = gpu.use(what);
  const stage = staging.acquire(bytes);
  const encoder = device.createCommandEncoder({ label: what });
  encoder.copyBufferToBuffer(buffer, 0, stage, 0, bytes);
  device.queue.submit([encoder.finish()]);
  await gpu.untilLost(stage.mapAsync(MAP_MODE_READ, 0, bytes), what);
  new Uint8Array(out).set(new Uint8Array(stage.getMappedRange(0, bytes)));
  stage.unmap();
  staging.release(stage);
  return viewStorage(dtype, out, 0, n);
}
