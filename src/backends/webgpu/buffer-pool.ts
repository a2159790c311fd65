// Reuse of GPU buffers: creating and destroying buffers per dispatch is slow, so released buffers wait in a free list
// per size bucket and the next request of that bucket takes one back.

import type { WebGpuDevice } from './device.js';

/** Smallest bucket; requests below it share it. */
const MIN_BUCKET_BYTES = 256;

/**
 * The size of the bucket that holds `byteLength` bytes: the next of 1, 1.25, 1.5 or 1.75 times a power of two, so a
 * buffer wastes at most a quarter of its size and reuse across slightly different sizes still happens.
 */
export function bucketSize(byteLength: number): number {
  if (byteLength <= MIN_BUCKET_BYTES) return MIN_BUCKET_BYTES;
  const quarter = 2 ** (Math.ceil(Math.log2(byteLength)) - 3);
  return Math.ceil(byteLength / quarter) * quarter;
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly sizes = new WeakMap<GPUBuffer, number>();
  private created = 0;
  private reused = 0;

  constructor(
    private readonly gpu: WebGpuDevice,
    readonly usage: GPUBufferUsageFlags,
    readonly label: string,
  ) {}

  /** A buffer of at least `byteLength` bytes (contents undefined); give it back with `release`. */
  acquire(byteLength: number): GPUBuffer {
    if (!Number.isSafeInteger(byteLength) || byteLength < 0) {
      throw new RangeError(`${this.label}: cannot allocate ${byteLength} bytes; expected a non-negative integer`);
    }
    const maxBytes = this.gpu.limits.maxBufferSize;
    if (byteLength > maxBytes) throw new RangeError(`${this.label}: ${byteLength} bytes exceed the device's maxBufferSize (${maxBytes})`);
    // The largest buckets may pass the limit; those buffers get the largest size the device allows.
    const size = Math.min(bucketSize(byteLength), maxBytes);
    const device = this.gpu.use(`allocate ${byteLength} bytes in ${this.label}`);
    const recycled = this.free.get(size)?.pop();
    if (recycled !== undefined) {
      this.reused++;
      return recycled;
    }
    const buffer = device.createBuffer({ label: `${this.label} ${size}`, size, usage: this.usage });
    this.sizes.set(buffer, size);
    this.created++;
    return buffer;
  }

  /** Returns `buffer` (from this pool's `acquire`) for reuse; the caller must not use it afterwards. */
  release(buffer: GPUBuffer): void {
    const size = this.sizes.get(buffer);
    if (size === undefined) throw new Error(`${this.label}: release of buffer "${buffer.label}", which this pool did not allocate`);
    const list = this.free.get(size);
    if (list === undefined) this.free.set(size, [buffer]);
    else if (list.includes(buffer)) throw new Error(`${this.label}: buffer "${buffer.label}" released twice`);
    else list.push(buffer);
  }

  /** Counts for tests and diagnostics. */
  stats(): { readonly created: number; readonly reused: number; readonly freeBuffers: number; readonly freeBytes: number } {
    let freeBuffers = 0;
    let freeBytes = 0;
    for (const [size, list] of this.free) {
      freeBuffers += list.length;
      freeBytes += size * list.length;
    }
    return { created: this.created, reused: this.reused, freeBuffers, freeBytes };
  }

  /** Destroys the free buffers (acquired ones stay with their users). */
  trim(): void {
    for (const list of this.free.values()) for (const buffer of list) buffer.destroy();
    this.free.clear();
  }
}
