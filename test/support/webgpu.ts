// One WebGPU device per test file (Dawn in Node); without an adapter the file's tests are skipped loudly, unless
// DSV3_REQUIRE_WEBGPU=1.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AcquireOptions, WebGpuDevice } from '../../src/backends/webgpu/index.js';
import { acquireDevice, NoAdapterError } from '../../src/backends/webgpu/index.js';
import { useOptionalResource } from './optional-resource.js';

/** Mesa's Vulkan drivers complain without a runtime directory; any private temporary one does. */
function ensureRuntimeDir(): void {
  process.env.XDG_RUNTIME_DIR ??= mkdtempSync(join(tmpdir(), 'dsv3-xdg-'));
}

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
