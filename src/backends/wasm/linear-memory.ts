// The backend's one WebAssembly memory and its allocator. Buffers are byte ranges of it; a buffer freed is kept in a
// list by its size and handed out again for the next buffer of that size (a program allocates the same sizes every
// run), otherwise memory is taken from the top, growing it. The memory is shared (a SharedArrayBuffer, for worker
// threads) where the runtime allows it; a shared memory never detaches its views when it grows.

import { byteSize, viewStorage, type DType, type StorageArray } from '../../ir/index.js';
import { FP8_TABLES_AT, FP8_TABLES_BYTES, writeFp8Tables } from './narrow-floats.js';
import { MAX_PAGES } from './wasm-module.js';
import { HEADER_SLOTS } from './worker-source.js';

/** A buffer of the wasm backend: `bytes` bytes of the linear memory from byte `ptr`. */
export interface WasmBuffer {
  readonly ptr: number;
  readonly bytes: number;
}

const PAGE = 65536;
/** Buffers start on 16-byte boundaries, so v128 loads of f32 rows are aligned. */
const ALIGN = 16;
const aligned = (bytes: number) => Math.ceil(bytes / ALIGN) * ALIGN;
/** Where the GEMM threads' job header lives (thread-pool.ts), after the fp8 decode tables. */
export const THREADS_HEADER_AT = aligned(FP8_TABLES_AT + FP8_TABLES_BYTES);
/** Address 0 stays unused, so no buffer is at the null pointer; the fp8 decode tables and the job header follow it. */
const FIRST = aligned(THREADS_HEADER_AT + HEADER_SLOTS * 4);

function createMemory(): { memory: WebAssembly.Memory; shared: boolean } {
  try {
    return { memory: new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true }), shared: true };
  } catch {
    // A page without cross-origin isolation has no shared memory: one thread.
    return { memory: new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES }), shared: false };
  }
}

export class LinearMemory {
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  private top = FIRST;
  private readonly freeBySize = new Map<number, number[]>();

  constructor() {
    ({ memory: this.memory, shared: this.shared } = createMemory());
    writeFp8Tables(this.bytes(0, FIRST));
  }

  /** A buffer of `bytes` bytes (contents undefined). */
  alloc(bytes: number): WasmBuffer {
    const size = aligned(bytes);
    const reused = this.freeBySize.get(size)?.pop();
    if (reused !== undefined) return { ptr: reused, bytes };
    const ptr = this.top;
    const end = ptr + size;
    if (end > MAX_PAGES * PAGE) throw new RangeError(`wasm backend: cannot allocate ${bytes} bytes; the 4 GiB linear memory holds ${ptr} bytes already`);
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.max(Math.ceil((end - have) / PAGE), Math.min(have / PAGE, MAX_PAGES - have / PAGE)));
    this.top = end;
    return { ptr, bytes };
  }

  free(b: WasmBuffer): void {
    const size = aligned(b.bytes);
    if (size === 0) return;
    const list = this.freeBySize.get(size);
    if (list) list.push(b.ptr);
    else this.freeBySize.set(size, [b.ptr]);
  }

  /** A storage array viewing the first `size` elements of `b` as `dtype` (valid until the buffer is freed). */
  view(b: WasmBuffer, dtype: DType, size: number): StorageArray {
    return viewStorage(dtype, this.memory.buffer, b.ptr, size);
  }

  /** Bytes `[ptr, ptr + bytes)` of the memory. */
  bytes(ptr: number, bytes: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, bytes);
  }

  upload(data: StorageArray): WasmBuffer {
    const b = this.alloc(data.byteLength);
    this.bytes(b.ptr, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return b;
  }

  copy(from: WasmBuffer, to: WasmBuffer, dtype: DType, size: number): void {
    const bytes = size * byteSize(dtype);
    this.bytes(0, this.memory.buffer.byteLength).copyWithin(to.ptr, from.ptr, from.ptr + bytes);
  }
}
