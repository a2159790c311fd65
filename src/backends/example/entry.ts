// The registry's entry for the worked example. It is not in the registry's list: tests add it with registerBackend,
// as a backend author would try a new backend before giving it its line.

import type { BackendEntry } from '../registry.js';

export const exampleEntry: BackendEntry = {
  name: 'example',
  description: 'the kernel IR interpreted element by element (the worked example of docs/adding-a-backend.md)',
  runsKernels: true,
  open: async (options) => (await import('./backend.js')).exampleBackend(options),
};
