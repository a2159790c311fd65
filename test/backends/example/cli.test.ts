// A backend registered at run time is one the command line can name, with no per-backend code there: `dsv3 compile
// --backend example` compiles a model step with what the example tells the compiler, and `dsv3 verify --backend
// example` runs a golden model case on it and passes every comparison.

import { describe, expect, it } from 'vitest';
import { exampleEntry } from '../../../src/backends/example/entry.js';
import { registerBackend } from '../../../src/backends/registry.js';
import { runCli } from '../../support/cli.js';

const V3 = 'spec/golden/v3-tiny-f32';

registerBackend(exampleEntry);

describe('the example backend on the command line', () => {
  it('compiles a model step as the example compiles it: no in-place kernels, no claims', async () => {
    const r = await runCli('compile', '--model', V3, '--backend', 'example');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/decode step of .*; example, no in-place kernels, claimed composites: none$/m);
  });

  it('passes a golden model case', async () => {
    const r = await runCli('verify', V3, '--backend', 'example');
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^ {2}example absorb \(absorb\): (\d+)\/\1 pass$/m);
    expect(r.out).toMatch(/all \d+ comparisons pass/);
    expect(r.code).toBe(0);
  });
});
