// The registry's entry for the WebGPU backend. It needs an adapter (a GPU driver underneath; Mesa's lavapipe on a
// machine without a GPU); the backend itself is loaded only when opened, so CPU runs never touch the GPU bindings.

import type { BackendEntry } from '../registry.js';
import { NoAdapterError } from './errors.js';

export const webgpuEntry: BackendEntry = {
  name: 'webgpu',
  description: 'generated WGSL on the WebGPU adapter (a GPU, or Mesa lavapipe)',
  runsKernels: true,
  needs: { what: 'WebGPU device', requireEnv: 'DSV3_REQUIRE_WEBGPU', missingReason: (e) => (e instanceof NoAdapterError ? e.message : undefined) },
  slowToCompile: true,
  ieeeSpecials: false,
  open: async (options) => (await import('./backend.js')).webgpuBackend(options),
};
