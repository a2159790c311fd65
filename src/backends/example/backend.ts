// The worked example of docs/adding-a-backend.md: a whole backend in a DeviceBackend (../sdk/device-backend.ts) of
// a few lines. Its memory is the host's (../sdk/host-memory.ts), it claims no composite, and it runs every kernel by
// interpreting the kernel IR (interpret.ts). The shared driver makes it a Backend; tests register it at run time
// (entry.ts) and run the whole conformance suite on it.

import type { StorageArray } from '../../ir/index.js';
import { constantStorage, driveBackend, hostLaunch, hostMemory, weightStorage, type DeviceBackend, type DrivenBackend, type DriverOptions } from '../sdk/index.js';
import { interpretKernel } from './interpret.js';

export function exampleDeviceBackend(): DeviceBackend<StorageArray> {
  return {
    name: 'example',
    // No in-place kernels: an output never shares a buffer with an input the kernel reads. No limit on buffers.
    compileOptions: { inPlace: false, maxBuffersPerKernel: Infinity },
    claims: new Map(),
    ...hostMemory,
    async prepare(program, weights) {
      const kernels = program.kernels.map(interpretKernel);
      // Weights and constants live as long as the program; the driver allocates every other buffer per run.
      const resident = program.buffers.map((b) =>
        b.role === 'weight' ? weightStorage(b, weights.get(b.name!)) : b.role === 'constant' ? constantStorage(b) : undefined,
      );
      return {
        resident,
        launch: (params) =>
          hostLaunch((i, buffers) => {
            const k = program.kernels[i]!;
            kernels[i]!(k.inputs.map((b) => buffers[b.buffer]!), k.outputs.map((b) => buffers[b.buffer]!), params);
          }),
        dispose() {},
      };
    },
    dispose() {},
  };
}

export const exampleBackend = (options: DriverOptions = {}): DrivenBackend<StorageArray> => driveBackend(exampleDeviceBackend(), options);
