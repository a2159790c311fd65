// The WebGPU backend tests' shared pieces: one backend per test file on the file's device (skipped loudly without
// an adapter), and running a graph on it next to the compiled CPU backend, compared bit for bit or within the
// shadow tolerance.

import { expect } from 'vitest';
import type { Backend, RunResult } from '../../../src/backends/backend.js';
import { cpuBackend } from '../../../src/backends/cpu/backend.js';
import { webgpuBackend, type WebGpuBackend, type WebGpuBackendOptions } from '../../../src/backends/webgpu/index.js';
import { firstMismatch } from '../../../src/backends/sdk/shadow.js';
import type { Graph, TensorData, WeightStore } from '../../../src/ir/index.js';
import { bitMismatch } from '../../support/compare.js';
import { useWebGpu } from '../../support/webgpu.js';

/** A getter for this file's WebGPU backend (created on first use, on the file's device). */
export function useWebGpuBackend(options: Omit<WebGpuBackendOptions, 'device' | 'gpu'> = {}): () => Promise<WebGpuBackend> {
  const device = useWebGpu();
  let backend: Promise<WebGpuBackend> | undefined;
  return () => (backend ??= webgpuBackend({ ...options, device: device() }));
}

const noWeights: WeightStore = {
  get(name) {
    throw new Error(`no weight ${name} in this test`);
  },
};

export type Agreement = 'bits' | 'tolerance';

/** Runs `graph` on WebGPU and on the compiled CPU backend and expects every output to agree. */
export async function expectAgree(gpu: Backend, graph: Graph, inputs: Record<string, TensorData>, agreement: Agreement = 'bits', weights: WeightStore = noWeights): Promise<RunResult> {
  const cpu = await (await cpuBackend().compile(graph, weights)).run(inputs);
  const exe = await gpu.compile(graph, weights);
  const got = await exe.run(inputs);
  exe.dispose();
  for (const [name, want] of Object.entries(cpu.outputs)) {
    const have = got.outputs[name]!;
    expect(have.dtype, name).toBe(want.dtype);
    expect(have.shape, name).toEqual(want.shape);
    const m = agreement === 'bits' ? bitMismatch(have, want) : firstMismatch(want.dtype, have.data, want.data);
    if (m) expect.fail(`${graph.name} output ${name}: WebGPU and CPU differ: ${typeof m === 'string' ? m : `element ${m.index}: ${m.got} vs ${m.want}`}`);
  }
  return got;
}
