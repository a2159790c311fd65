// The CPU backends the FP8 tests run on (the compiled kernels and the op-by-op oracle), and a one-shot graph run.

import { afterAll } from 'vitest';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import type { Backend } from '../../src/backends/backend.js';
import { tensorData, weightMap, type DType, type TensorData } from '../../src/ir/index.js';
import { Trace, type Tensor } from '../../src/ops/index.js';

/** [name, backend] for `cpu` (compiled) and `cpu-reference`, disposed after the file's tests. */
export function cpuBackends(): [string, Backend][] {
  const list: [string, Backend][] = [
    ['cpu', cpuBackend({ mode: 'compiled' })],
    ['cpu-reference', cpuBackend({ mode: 'reference' })],
  ];
  afterAll(() => list.forEach(([, b]) => b.dispose()));
  return list;
}

export interface HostTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TensorData['data'];
}

/** Builds a graph over `inputs` with `fn`, runs it once on `backend` and returns its outputs. */
export async function runOnce(
  backend: Backend,
  inputs: Readonly<Record<string, HostTensor>>,
  fn: (x: Record<string, Tensor>) => Readonly<Record<string, Tensor>>,
): Promise<Record<string, TensorData>> {
  const t = new Trace('fp8_test');
  const xs = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, t.input(k, v.dtype, v.shape)]));
  const exe = await backend.compile(t.build(fn(xs)), weightMap({}));
  try {
    return (await exe.run(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tensorData(v.dtype, v.shape, v.data, k)])))).outputs;
  } finally {
    exe.dispose();
  }
}

/** The first index where two arrays differ bit for bit (Object.is), or -1. */
export function firstDifference(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Math.min(got.length, want.length);
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) return i;
  return -1;
}
