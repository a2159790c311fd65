// The registry's entry for the op-by-op interpreter, the oracle every other backend is compared against.

import type { BackendEntry } from '../registry.js';

export const referenceEntry: BackendEntry = {
  name: 'cpu-reference',
  description: 'the op-by-op interpreter, the oracle',
  runsKernels: false,
  open: async () => (await import('./backend.js')).referenceBackend(),
};
