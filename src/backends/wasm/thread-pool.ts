// The threads a wasm backend runs its GEMMs on: the calling thread (index 0) and `threads - 1` workers
// (worker-source.ts), all on the one shared linear memory. A job is a list of gemm calls, each for one thread,
// written into the linear memory; the caller bumps the header's generation, wakes the workers, runs its own calls
// and waits until every worker is done. Kernels other than GEMMs run on the calling thread.

import type { GemmCall } from './gemm.js';
import type { LinearMemory, WasmBuffer } from './linear-memory.js';
import { startWorker } from './host.js';
import { CALL_INTS, HEADER, HEADER_SLOTS } from './worker-source.js';

type Gemm = (a: number, ars: number, acs: number, b: number, c: number, rows: number, panels: number, k: number, ldc: number) => void;

/** The arguments of a GEMM's calls other than the per-call blocks: base addresses and strides in bytes. */
export interface GemmArgs {
  readonly a: number;
  readonly aRowStride: number;
  readonly aColStride: number;
  readonly packed: number;
  readonly product: number;
  readonly k: number;
  readonly ldc: number;
}

/** Whether this thread may block in Atomics.wait (a page's main thread may not: it spins instead). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

export class GemmThreads {
  private job: WasmBuffer | undefined;
  private readonly blocking = canBlock();

  private constructor(
    readonly threads: number,
    private readonly memory: LinearMemory,
    private readonly headerAt: number,
    private readonly gemm: Gemm,
    private readonly stops: readonly (() => void)[],
  ) {}

  /** The calling thread plus `threads - 1` workers running `module` (gemm.ts's gemmModule) on `memory`. */
  static async start(memory: LinearMemory, headerAt: number, module: WebAssembly.Module, threads: number): Promise<GemmThreads> {
    const gemm = (await WebAssembly.instantiate(module, { env: { memory: memory.memory } })).exports.gemm as Gemm;
    const stops = await Promise.all(Array.from({ length: threads - 1 }, (_, i) => startWorker({ memory: memory.memory, module, index: i + 1, headerAt })));
    return new GemmThreads(threads, memory, headerAt, gemm, stops);
  }

  private header(): Int32Array {
    return new Int32Array(this.memory.memory.buffer, this.headerAt, HEADER_SLOTS);
  }

  /** Runs `calls` (each on its thread) of the GEMM with arguments `g`; returns when all are done. */
  run(calls: readonly GemmCall[], g: GemmArgs): void {
    const own = (c: GemmCall) => this.gemm(g.a + c.a, g.aRowStride, g.aColStride, g.packed + c.b, g.product + c.c, c.rows, c.panels, g.k, g.ldc);
    if (calls.every((c) => c.thread === 0)) {
      calls.forEach(own);
      return;
    }
    const bytes = calls.length * CALL_INTS * 4;
    if (!this.job || this.job.bytes < bytes) {
      if (this.job) this.memory.free(this.job);
      this.job = this.memory.alloc(Math.max(bytes, 2 * (this.job?.bytes ?? 0)));
    }
    const job = new Int32Array(this.memory.memory.buffer, this.job.ptr, calls.length * CALL_INTS);
    calls.forEach((c, i) => job.set([c.thread, g.a + c.a, g.aRowStride, g.aColStride, g.packed + c.b, g.product + c.c, c.rows, c.panels, g.k, g.ldc], i * CALL_INTS));
    const h = this.header();
    h[HEADER.calls] = calls.length;
    h[HEADER.job] = this.job.ptr;
    Atomics.store(h, HEADER.running, this.threads - 1);
    Atomics.add(h, HEADER.generation, 1);
    Atomics.notify(h, HEADER.generation);
    for (const c of calls) if (c.thread === 0) own(c);
    for (let left = Atomics.load(h, HEADER.running); left !== 0; left = Atomics.load(h, HEADER.running)) {
      if (this.blocking) Atomics.wait(h, HEADER.running, left);
    }
    if (Atomics.exchange(h, HEADER.failed, 0)) throw new Error('wasm backend: a GEMM failed on a worker thread');
  }

  dispose(): void {
    const h = this.header();
    Atomics.store(h, HEADER.stop, 1);
    Atomics.add(h, HEADER.generation, 1);
    Atomics.notify(h, HEADER.generation);
    for (const stop of this.stops) stop();
    if (this.job) this.memory.free(this.job);
  }
}
