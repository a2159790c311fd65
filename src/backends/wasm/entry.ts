// The registry's entry for the WebAssembly backend; DSV3_WASM_THREADS sets its thread count where there is an
// environment (default: the cores available).

import type { BackendEntry } from '../registry.js';
import { envVar } from '../sdk/environment.js';

function envThreads(): number | undefined {
  const text = envVar('DSV3_WASM_THREADS');
  if (text === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(text)) throw new RangeError(`DSV3_WASM_THREADS=${text}: expected a positive integer (threads, the calling one included)`);
  return Number(text);
}

export const wasmEntry: BackendEntry = {
  name: 'wasm',
  description: 'the compiler\'s kernels as generated WebAssembly (SIMD128), GEMMs on worker threads, on one shared linear memory',
  runsKernels: true,
  open: async (options) => {
    const threads = envThreads();
    return (await import('./backend.js')).wasmBackend({ ...options, ...(threads === undefined ? {} : { threads }) });
  },
};
