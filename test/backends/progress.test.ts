// What a driven backend tells DriverOptions.progress while it compiles: the compiler's run (not for a cached
// program), then the device's work: loading the weights, and on WebGPU compiling (and first running) the pipelines.

import { describe, expect, it } from 'vitest';
import type { Progress } from '../../src/backends/progress.js';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import type { DriverExecutable } from '../../src/backends/sdk/executable.js';
import { tensorData, type WeightStore } from '../../src/ir/index.js';
import * as ops from '../../src/ops/index.js';
import { useWebGpuBackend } from './webgpu/program-harness.js';

/** A Progress writing each task's start and end (with the steps done) to `events`. */
function recorder(): { progress: Progress; events: string[] } {
  const events: string[] = [];
  const steps = (total: number | undefined, done: number) => (total === undefined ? '' : ` ${done}/${total}`);
  const progress: Progress = {
    start(label, total) {
      let done = 0;
      events.push(`start ${label}${steps(total, done)}`);
      return {
        advance: (by = 1) => void (done += by),
        end: () => void events.push(`end ${label}${steps(total, done)}`),
      };
    },
  };
  return { progress, events };
}

const weights: WeightStore = { get: (name) => tensorData('f32', [8], new Float32Array(8).fill(name === 'g' ? 1 : 0.5)) };
const graph = ops.trace('norm_bias', { x: { dtype: 'f32', shape: [4, 8] } }, ({ x }, t) => ({
  y: ops.softmax(ops.add(ops.rmsNorm(x!, t.weight('g', 'f32', [8]), 1e-6), t.weight('b', 'f32', [8])), -1),
}));

describe('the CPU backend', () => {
  it('reports compiling the graph, then loading its weights; a cached program only the weights', async () => {
    const { progress, events } = recorder();
    const backend = cpuBackend({ progress });
    await backend.compile(graph, weights);
    expect(events).toEqual(['start compiling norm_bias', 'end compiling norm_bias', 'start loading weights 0/2', 'end loading weights 2/2']);
    events.length = 0;
    await backend.compile(graph, weights);
    expect(events).toEqual(['start loading weights 0/2', 'end loading weights 2/2']);
  });
});

describe('the WebGPU backend', () => {
  const recorded = recorder();
  const gpu = useWebGpuBackend({ progress: recorded.progress });

  it('reports compiling the graph, compiling every kernel\'s pipeline, then loading the weights', async () => {
    const exe = (await (await gpu()).compile(graph, weights)) as DriverExecutable<GPUBuffer>;
    const kernels = exe.program.kernels.length;
    expect(recorded.events).toEqual([
      'start compiling norm_bias',
      'end compiling norm_bias',
      `start compiling pipelines 0/${kernels}`,
      `end compiling pipelines ${kernels}/${kernels}`,
      'start loading weights 0/2',
      'end loading weights 2/2',
    ]);
    expect(exe.compileTime.device).toBeGreaterThan(0);
    exe.dispose();
  });
});
