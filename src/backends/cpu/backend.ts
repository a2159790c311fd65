// The CPU backend: the compiler's kernels as generated JavaScript on host memory (program.ts), with hand-written
// kernels for the composites it claims (claims/: MLA and MoE), run by the shared driver. `mode: 'reference'` gives
// the op-by-op interpreter instead (reference/backend.ts, the oracle, registered as cpu-reference).

import type { StorageArray } from '../../ir/index.js';
import type { Backend } from '../backend.js';
import { referenceBackend } from '../reference/backend.js';
import type { DeviceBackend } from '../sdk/device-backend.js';
import { driveBackend, type DriverOptions } from '../sdk/driver.js';
import { hostMemory } from '../sdk/host-memory.js';
import { CPU_CLAIMS } from './claims/index.js';
import { CpuProgramRunner, renderKernel } from './program.js';

export type CpuMode = 'compiled' | 'reference';

export interface CpuBackendOptions extends DriverOptions {
  readonly mode?: CpuMode;
}

/** The CPU as a DeviceBackend: host memory, in-place kernels, no limit on buffers per kernel, claims reading narrow weights. */
export function cpuDeviceBackend(): DeviceBackend<StorageArray> {
  return {
    name: 'cpu',
    compileOptions: { inPlace: true, maxBuffersPerKernel: Infinity, narrowClaimedWeights: true },
    claims: CPU_CLAIMS,
    ...hostMemory,
    prepare: async (program, weights, progress) => new CpuProgramRunner(program, weights, progress),
    // Contractions and library kernels call shared code; map and reduce kernels are generated whole.
    kernelSource: (k) => (k.body.kind === 'map' || k.body.kind === 'reduce' ? { file: `${k.name}.js`, text: renderKernel(k).source } : undefined),
    dispose() {},
  };
}

export function cpuBackend(options: CpuBackendOptions = {}): Backend {
  return options.mode === 'reference' ? referenceBackend() : driveBackend(cpuDeviceBackend(), options);
}
