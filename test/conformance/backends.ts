// The backends the conformance suite runs on. A new backend plugs in here: a name, how to make it, and — when it
// needs something a machine may lack — what that is, so its tests skip loudly there (or fail when required).

import type { Backend } from '../../src/backends/backend.js';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { NoAdapterError, webgpuBackend } from '../../src/backends/webgpu/index.js';
import type { OptionalResource } from '../support/optional-resource.js';
import { ensureRuntimeDir } from '../support/runtime-dir.js';

export interface BackendUnderTest {
  readonly name: string;
  readonly resource: OptionalResource<Backend>;
}

const release = (b: Backend) => b.dispose();

export const BACKENDS_UNDER_TEST: readonly BackendUnderTest[] = [
  {
    name: 'cpu',
    resource: { what: 'the compiled CPU backend', requireEnv: 'DSV3_REQUIRE_CPU', acquire: async () => cpuBackend({ mode: 'compiled' }), missingReason: () => undefined, release },
  },
  {
    name: 'webgpu',
    resource: {
      what: 'WebGPU',
      requireEnv: 'DSV3_REQUIRE_WEBGPU',
      acquire: () => {
        ensureRuntimeDir();
        return webgpuBackend();
      },
      missingReason: (e) => (e instanceof NoAdapterError ? e.message : undefined),
      release,
    },
  },
];
