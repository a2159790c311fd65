// A backend registered at run time is one the command line can name, with no per-backend code there: `dsv3 compile
// --backend example` compiles a model step with what the example tells the compiler, and `dsv3 forward --backend
// example` runs a whole model (a prefill and a decode step) to the tokens the compiled CPU backend predicts.

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

  it('runs a model to the tokens the compiled CPU backend predicts', async () => {
    const forward = (backend: string) => runCli('forward', '--model', V3, '--tokens', '4,486,292', '--decode', '505', '--backend', backend, '--quiet');
    const [example, cpu] = [await forward('example'), await forward('cpu')];
    expect(example.err).toBe('');
    expect(example.code).toBe(0);
    expect(example.out).toMatch(/^prefill\.logits_all f32\[1,3,512\] argmax \d+ \d+ \d+$/m);
    expect(example.out).toBe(cpu.out);
  });
});
