// The wasm backend: the compiler's kernels as generated WebAssembly (one module per kernel, SIMD GEMMs) on one
// linear memory, run by the shared driver. Written only against the backend SDK (docs/adding-a-backend.md).

import { byteSize, type DType } from '../../ir/index.js';
import type { DeviceBackend } from '../sdk/device-backend.js';
import { driveBackend, type DriverOptions, type DrivenBackend } from '../sdk/driver.js';
import { detectFeatures } from './features.js';
import { LinearMemory, type WasmBuffer } from './linear-memory.js';
import { kernelWat, WasmProgram } from './program.js';

export function wasmDeviceBackend(): DeviceBackend<WasmBuffer> {
  const features = detectFeatures();
  if (!features.simd) throw new Error('wasm backend: this WebAssembly runtime lacks SIMD128');
  const fma = features.relaxedSimd;
  const memory = new LinearMemory();
  return {
    name: 'wasm',
    // What it chose at start-up, for reports.
    runsOn: `WebAssembly SIMD128, relaxed-SIMD FMA ${fma ? 'on' : 'off (not in this runtime)'}, ${memory.shared ? 'shared' : 'unshared'} memory`,
    // Kernels never write over an input they read: generated contractions store as they go.
    compileOptions: { inPlace: false, maxBuffersPerKernel: Infinity },
    claims: new Map(),
    alloc: (dtype: DType, size: number) => memory.alloc(size * byteSize(dtype)),
    upload: (data) => memory.upload(data),
    read: async (buffer, dtype, size) => memory.view(buffer, dtype, size).slice(),
    free: (buffer) => memory.free(buffer),
    prepare: (program, weights, progress) => WasmProgram.prepare(program, weights, memory, fma, progress),
    kernelSource: (k) => {
      const text = kernelWat(k, memory.shared, fma);
      return text === undefined ? undefined : { file: `${k.name}.wat`, text };
    },
    dispose() {},
  };
}

export const wasmBackend = (options: DriverOptions = {}): DrivenBackend<WasmBuffer> => driveBackend(wasmDeviceBackend(), options);
