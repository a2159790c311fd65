// The registry's entry for the compiled CPU backend.

import type { BackendEntry } from '../registry.js';

export const cpuEntry: BackendEntry = {
  name: 'cpu',
  description: 'the compiler\'s kernels as generated JavaScript, with its own MLA and MoE kernels',
  runsKernels: true,
  open: async (options) => (await import('./backend.js')).cpuBackend(options),
};
