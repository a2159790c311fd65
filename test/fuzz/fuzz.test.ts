// The fuzzer's CI slice: a fixed seed (FC_SEED's, test/setup.ts) and a fixed number of random graphs on every
// registered backend, the oracle included (campaign.ts; `npm run fuzz` runs the same longer, with fresh seeds).
// A backend that compiles slowly (a software GPU) runs fewer graphs; one the machine lacks skips loudly.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backendEntries } from '../../src/backends/registry.js';
import { backendUnderTest } from '../conformance/backends.js';
import { useOptionalResource } from '../support/optional-resource.js';
import { describeFinding, fuzzBackend, totalGraphs } from './campaign.js';

const GRAPHS = 300;
const GRAPHS_SLOW_TO_COMPILE = 30;

for (const entry of backendEntries()) {
  const target = backendUnderTest(entry);
  describe(`fuzzing ${entry.name}`, () => {
    const backend = useOptionalResource(target.resource);
    const graphs = target.slowToCompile ? GRAPHS_SLOW_TO_COMPILE : GRAPHS;

    it(`${graphs} random graphs find nothing`, { timeout: 600_000 }, async () => {
      const summary = await fuzzBackend(backend(), entry, { seed: fc.readConfigureGlobal().seed!, graphs });
      expect(summary.findings.map(describeFinding)).toEqual([]);
      expect(totalGraphs(summary)).toBe(graphs);
      expect(summary.compared, 'elements compared').toBeGreaterThan(0);
    });
  });
}
