// The fuzzer finds what it is for: each backend below is a real one with one planted bug, and a short campaign must
// find it and shrink it to a small graph. So a CI slice that finds nothing has looked.

import { describe, expect, it } from 'vitest';
import { printGraph, type TensorData } from '../../src/ir/index.js';
import type { Backend } from '../../src/backends/backend.js';
import { backendEntry, openBackend } from '../../src/backends/registry.js';
import { fuzzBackend } from './campaign.js';

const SEED = 20261130;
const F16_QUIET_NAN = 0x7e00;

/** `inner` with every output passed through `plant` after the run. */
function planted(inner: Backend, plant: (t: TensorData) => void): Backend {
  return {
    name: `${inner.name} with a planted bug`,
    upload: (t) => inner.upload(t),
    dispose: () => inner.dispose(),
    async compile(graph, weights, request) {
      const exe = await inner.compile(graph, weights, request);
      return {
        graph: exe.graph,
        dispose: () => exe.dispose(),
        async run(inputs, options) {
          const result = await exe.run(inputs, options);
          Object.values(result.outputs).forEach(plant);
          return result;
        },
      };
    },
  };
}

/** Every f16 NaN becomes the standard quiet NaN, as a float round trip of a move would make it. */
function canonicalNaNs(t: TensorData): void {
  if (t.dtype !== 'f16') return;
  t.data.forEach((code, i) => (code & 0x7fff) > 0x7c00 && (t.data[i] = F16_QUIET_NAN | (code & 0x8000)));
}

/** i32 elements come back one more. */
function offByOne(t: TensorData): void {
  if (t.dtype === 'i32') t.data.forEach((x, i) => (t.data[i] = x + 1));
}

describe('the fuzzer finds planted bugs and shrinks them', () => {
  it('a compiled backend that loses f16 NaN payloads: a moves graph', async () => {
    const backend = planted(await openBackend('cpu'), canonicalNaNs);
    try {
      const { findings } = await fuzzBackend(backend, backendEntry('cpu'), { seed: SEED, graphs: 200, findings: 1 });
      const f = findings.find((x) => x.profile === 'moves');
      expect(f, 'a moves finding').toBeDefined();
      expect(f!.failure).toMatch(/codes 0x7e00 vs 0x7/);
      expect(f!.case.graph.nodes.length, printGraph(f!.case.graph)).toBeLessThanOrEqual(2);
    } finally {
      backend.dispose();
    }
  });

  it('an oracle that computes a wrong integer: caught by the bound evaluator', async () => {
    const backend = planted(await openBackend('cpu-reference'), offByOne);
    try {
      const { findings } = await fuzzBackend(backend, backendEntry('cpu-reference'), { seed: SEED, graphs: 200, findings: 1 });
      expect(findings.length).toBeGreaterThan(0);
      expect(findings[0]!.failure).toMatch(/bound evaluator disagrees/);
      // Shrunk to one op recipe: a composite with an i32 result (routing), over a scalar input reshaped to fit.
      expect(findings[0]!.case.graph.nodes.length, printGraph(findings[0]!.case.graph)).toBeLessThanOrEqual(5);
    } finally {
      backend.dispose();
    }
  });
});
