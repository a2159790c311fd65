// The wasm backend: the compiler's kernels as generated WebAssembly (one module per kernel, SIMD GEMMs split over
// worker threads) on one shared linear memory, run by the shared driver. Written only against the backend SDK
// (docs/adding-a-backend.md).

import { byteSize, type DType } from '../../ir/index.js';
import type { DeviceBackend } from '../sdk/device-backend.js';
import { driveBackend, type DriverOptions, type DrivenBackend } from '../sdk/driver.js';
import { detectFeatures } from './features.js';
import { gemmModule } from './gemm.js';
import { availableCores, canStartWorkers } from './host.js';
import { LinearMemory, THREADS_HEADER_AT, type WasmBuffer } from './linear-memory.js';
import { ModuleCache } from './module-cache.js';
import { kernelWat, WasmProgram, type WasmContext } from './program.js';
import { GemmThreads } from './thread-pool.js';
import { encodeModule } from './wasm-module.js';

export interface WasmOptions {
  /** Threads GEMMs run on, the calling one included (default: the cores available; 1 where there are no workers). */
  readonly threads?: number;
}

export function wasmDeviceBackend(options: WasmOptions = {}): DeviceBackend<WasmBuffer> {
  const features = detectFeatures();
  if (!features.simd) throw new Error('wasm backend: this WebAssembly runtime lacks SIMD128');
  const requested = options.threads ?? availableCores();
  if (!Number.isInteger(requested) || requested < 1) throw new RangeError(`wasm backend: threads must be a positive integer; got ${requested}`);
  const fma = features.relaxedSimd;
  const memory = new LinearMemory();
  // Worker threads need the memory shared (a page without cross-origin isolation has no shared memory) and a host
  // that starts them; otherwise one thread.
  const threads = memory.shared && canStartWorkers() ? requested : 1;
  let started: Promise<GemmThreads> | undefined;
  const context: WasmContext = {
    memory,
    modules: new ModuleCache(),
    gemmThreads: () => (started ??= WebAssembly.compile(encodeModule(gemmModule(fma, memory.shared))).then((m) => GemmThreads.start(memory, THREADS_HEADER_AT, m, threads))),
  };
  return {
    name: 'wasm',
    // What it chose at start-up, for reports.
    runsOn: `WebAssembly SIMD128, relaxed-SIMD FMA ${fma ? 'on' : 'off (not in this runtime)'}, ${memory.shared ? 'shared' : 'unshared'} memory, ${threads} thread${threads === 1 ? '' : 's'}`,
    // Kernels never write over an input they read: generated contractions store as they go.
    compileOptions: { inPlace: false, maxBuffersPerKernel: Infinity },
    claims: new Map(),
    alloc: (dtype: DType, size: number) => memory.alloc(size * byteSize(dtype)),
    upload: (data) => memory.upload(data),
    read: async (buffer, dtype, size) => memory.view(buffer, dtype, size).slice(),
    free: (buffer) => memory.free(buffer),
    prepare: (program, weights, progress) => WasmProgram.prepare(program, weights, context, progress),
    kernelSource: (k) => {
      const text = kernelWat(k, memory.shared);
      return text === undefined ? undefined : { file: `${k.name}.wat`, text };
    },
    dispose() {
      // Threads that failed to start were reported by the prepare that started them.
      void started?.then(
        (t) => t.dispose(),
        () => undefined,
      );
    },
  };
}

export const wasmBackend = (options: DriverOptions & WasmOptions = {}): DrivenBackend<WasmBuffer> => driveBackend(wasmDeviceBackend(options), options);
