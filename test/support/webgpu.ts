// One WebGPU device per test file (Dawn in Node); without an adapter the file's tests are skipped loudly, unless
// DSV3_REQUIRE_WEBGPU=1.

import type { AcquireOptions, WebGpuDevice } from '../../src/backends/webgpu/index.js';
import { acquireDevice, NoAdapterError } from '../../src/backends/webgpu/index.js';
import { useOptionalResource } from './optional-resource.js';
import { ensureRuntimeDir } from './runtime-dir.js';

export function useWebGpu(options: AcquireOptions = {}): () => WebGpuDevice {
  return useOptionalResource({
    what: 'WebGPU',
    requireEnv: 'DSV3_REQUIRE_WEBGPU',
    acquire: () => {
      ensureRuntimeDir();
      return acquireDevice(undefined, options);
    },
    missingReason: (e) => (e instanceof NoAdapterError ? e.message : undefined),
    release: (gpu) => gpu.destroy(),
  });
}
