// The registry's entry for the WebAssembly backend.

import type { BackendEntry } from '../registry.js';

export const wasmEntry: BackendEntry = {
  name: 'wasm',
  description: 'the compiler\'s kernels as generated WebAssembly (SIMD128) on one linear memory',
  runsKernels: true,
  open: async (options) => (await import('./backend.js')).wasmBackend(options),
};
