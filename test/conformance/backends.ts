// The backends the conformance suite runs on: every registered backend that runs kernels (src/backends/registry.ts;
// the op-by-op interpreter is the oracle they are judged against). A backend that needs something a machine may
// lack (a GPU adapter) skips loudly there, or fails when its requirement's environment variable is 1.
//
// A backend that compiles slowly (a GPU on the CPU: lavapipe spends ~0.2 s compiling a small kernel and several
// seconds on a contraction) runs the quick pass by default: the cases marked quick and fewer property runs.
// DSV3_CONFORMANCE=full runs everything everywhere.

import type { Backend } from '../../src/backends/backend.js';
import { backendEntries, type BackendEntry } from '../../src/backends/registry.js';
import type { ConformanceCase } from '../../src/conformance/case.js';
import type { OptionalResource } from '../support/optional-resource.js';
import { ensureRuntimeDir } from '../support/runtime-dir.js';

export interface BackendUnderTest {
  readonly name: string;
  readonly resource: OptionalResource<Backend>;
  readonly slowToCompile: boolean;
  /** Whether float arithmetic on ±inf and NaN follows IEEE 754 (the registry's `ieeeSpecials`). */
  readonly ieeeSpecials: boolean;
}

/** A registered backend as the conformance tests run it: opened once per test file. */
export function backendUnderTest(entry: BackendEntry): BackendUnderTest {
  return {
    name: entry.name,
    resource: {
      what: entry.needs?.what ?? `the ${entry.name} backend`,
      requireEnv: entry.needs?.requireEnv ?? `DSV3_REQUIRE_${entry.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`,
      acquire: () => {
        // GPU drivers (Mesa's) want a runtime directory.
        ensureRuntimeDir();
        return entry.open();
      },
      missingReason: (e) => entry.needs?.missingReason(e),
      release: (b) => b.dispose(),
    },
    slowToCompile: entry.slowToCompile ?? false,
    ieeeSpecials: entry.ieeeSpecials ?? true,
  };
}

export const BACKENDS_UNDER_TEST: readonly BackendUnderTest[] = backendEntries()
  .filter((e) => e.runsKernels)
  .map(backendUnderTest);

export const FULL = process.env.DSV3_CONFORMANCE === 'full';

/** Whether `target` runs only the quick pass. */
export const quickPass = (target: BackendUnderTest): boolean => target.slowToCompile && !FULL;

export const casesFor = (target: BackendUnderTest, cases: readonly ConformanceCase[]): readonly ConformanceCase[] =>
  quickPass(target) ? cases.filter((c) => c.quick) : cases;
