// The backends the conformance suite runs on. A new backend plugs in here: a name, how to make it, and — when it
// needs something a machine may lack — what that is, so its tests skip loudly there (or fail when required).
//
// A backend that compiles slowly (a GPU on the CPU: lavapipe spends ~0.2 s compiling a small kernel and several
// seconds on a contraction) runs the quick pass by default: the cases marked quick and fewer property runs.
// DSV3_CONFORMANCE=full runs everything everywhere.

import type { Backend } from '../../src/backends/backend.js';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { NoAdapterError, webgpuBackend } from '../../src/backends/webgpu/index.js';
import type { ConformanceCase } from '../../src/conformance/case.js';
import type { OptionalResource } from '../support/optional-resource.js';
import { ensureRuntimeDir } from '../support/runtime-dir.js';

export interface BackendUnderTest {
  readonly name: string;
  readonly resource: OptionalResource<Backend>;
  readonly slowToCompile: boolean;
  /**
   * Whether float arithmetic on ±inf and NaN follows IEEE 754. WGSL lets shader compilers assume finite values
   * (lavapipe folds inf·0 to 0), so on WebGPU only casts and moves are held to exact special values.
   */
  readonly ieeeSpecials: boolean;
}

const release = (b: Backend) => b.dispose();

export const BACKENDS_UNDER_TEST: readonly BackendUnderTest[] = [
  {
    name: 'cpu',
    resource: { what: 'the compiled CPU backend', requireEnv: 'DSV3_REQUIRE_CPU', acquire: async () => cpuBackend({ mode: 'compiled' }), missingReason: () => undefined, release },
    slowToCompile: false,
    ieeeSpecials: true,
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
    slowToCompile: true,
    ieeeSpecials: false,
  },
];

export const FULL = process.env.DSV3_CONFORMANCE === 'full';

/** Whether `target` runs only the quick pass. */
export const quickPass = (target: BackendUnderTest): boolean => target.slowToCompile && !FULL;

export const casesFor = (target: BackendUnderTest, cases: readonly ConformanceCase[]): readonly ConformanceCase[] =>
  quickPass(target) ? cases.filter((c) => c.quick) : cases;
