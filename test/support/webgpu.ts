// One WebGPU device per test file (Dawn in Node); without an adapter the file's tests are skipped loudly, unless the
// webgpu backend's requirement (src/backends/registry.ts: DSV3_REQUIRE_WEBGPU=1) makes that a failure.

import type { AcquireOptions, WebGpuDevice } from '../../src/backends/webgpu/index.js';
import { acquireDevice } from '../../src/backends/webgpu/index.js';
import { backendEntry } from '../../src/backends/registry.js';
import { useOptionalResource } from './optional-resource.js';
import { ensureRuntimeDir } from './runtime-dir.js';

export function useWebGpu(options: AcquireOptions = {}): () => WebGpuDevice {
  const needs = backendEntry('webgpu').needs!;
  return useOptionalResource({
    what: needs.what,
    requireEnv: needs.requireEnv,
    acquire: () => {
      ensureRuntimeDir();
      return acquireDevice(undefined, options);
    },
    missingReason: (e) => needs.missingReason(e),
    release: (gpu) => gpu.destroy(),
  });
}
