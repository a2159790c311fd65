// The library kernels against the compiled CPU backend on random data (fixed seed): topk and scatter_add bit for
// bit (a stable ranking; ordered, individually rounded additions), cumsum and gather_matmul within the shadow
// tolerance (f32 accumulation), i32 exactly; and their index checks. Each shape compiles once and runs many times.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ops from '../../../src/ops/index.js';
import { cpuBackend } from '../../../src/backends/cpu/backend.js';
import type { Executable } from '../../../src/backends/backend.js';
import { firstMismatch } from '../../../src/backends/sdk/shadow.js';
import { allocStorage, numel, zeros, type DType, type Graph, type Shape, type TensorData } from '../../../src/ir/index.js';
import { encodeFloats } from '../../../src/numerics/index.js';
import { bitMismatch } from '../../support/compare.js';
import { useWebGpuBackend } from './program-harness.js';

const gpu = useWebGpuBackend();
const RUNS = 12;
const noWeights = { get: () => zeros('f32', []) };

/** Values with many ties and every special: NaN, ±inf, ±0, subnormals. */
const tieProne = fc.constantFrom(0, -0, 1, -1, 2.5, Infinity, -Infinity, NaN, 1e-40, -1e-40, 3, 3, 3);
const anyF32 = fc.float({ noDefaultInfinity: false });

function tensorFrom(dtype: DType, shape: Shape, values: readonly number[]): TensorData {
  if (dtype === 'i32') return { dtype, shape, data: Int32Array.from(values) };
  const f = Float32Array.from(values);
  return { dtype, shape, data: dtype === 'f32' ? f : encodeFloats(f, dtype as 'bf16' | 'f16') };
}

const floats = (dtype: DType, shape: Shape, value: fc.Arbitrary<number> = anyF32) =>
  fc.array(value, { minLength: numel(shape), maxLength: numel(shape) }).map((v) => tensorFrom(dtype, shape, v));
const indices = (shape: Shape, bound: number) => fc.array(fc.integer({ min: 0, max: bound - 1 }), { minLength: numel(shape), maxLength: numel(shape) }).map((v) => tensorFrom('i32', shape, v));

/** Compiles `graph` on both backends once; `check` runs both on inputs and compares every output. */
async function pair(graph: Graph): Promise<{ run(inputs: Record<string, TensorData>, how: 'bits' | 'tolerance'): Promise<void>; gpuExe: Executable }> {
  const gpuExe = await (await gpu()).compile(graph, noWeights);
  const cpuExe = await cpuBackend().compile(graph, noWeights);
  return {
    gpuExe,
    async run(inputs, how) {
      const [got, want] = [await gpuExe.run(inputs), await cpuExe.run(inputs)];
      for (const [name, w] of Object.entries(want.outputs)) {
        const g = got.outputs[name]!;
        const m = how === 'bits' ? bitMismatch(g, w) : firstMismatch(w.dtype, g.data, w.data);
        if (m) throw new Error(`${graph.name} ${name}: ${typeof m === 'string' ? m : `element ${m.index}: WebGPU ${m.got}, CPU ${m.want}`}`);
      }
    },
  };
}

describe('topk', () => {
  for (const [dtype, shape, k, axis] of [
    ['f32', [3, 9], 4, 1],
    ['f32', [7, 2, 3], 7, 0],
    ['bf16', [2, 17], 17, 1],
    ['i32', [4, 6], 2, 1],
  ] as const) {
    it(`${dtype}[${shape}] k=${k} along ${axis}: stable, NaN largest, +0 = -0`, async () => {
      const g = ops.trace('topk', { x: { dtype, shape } }, ({ x }) => ({ ids: ops.topk(x!, k, axis) }));
      const { run, gpuExe } = await pair(g);
      const values = dtype === 'i32' ? fc.array(fc.integer({ min: -3, max: 3 }), { minLength: numel(shape), maxLength: numel(shape) }).map((v) => tensorFrom('i32', shape, v)) : floats(dtype, shape, tieProne);
      await fc.assert(fc.asyncProperty(values, (x) => run({ x }, 'bits')), { numRuns: RUNS });
      gpuExe.dispose();
    });
  }

  it('as a stable argsort (k = n) of the MoE dispatch', async () => {
    const g = ops.trace('argsort', { e: { dtype: 'i32', shape: [24] } }, ({ e }) => ({ order: ops.topk(ops.neg(e!), 24) }));
    const { run, gpuExe } = await pair(g);
    await fc.assert(fc.asyncProperty(indices([24], 5), (e) => run({ e }, 'bits')), { numRuns: RUNS });
    gpuExe.dispose();
  });
});

describe('scatter_add', () => {
  for (const [dtype, xShape, idxShape, axis] of [
    ['f32', [5, 3], [7, 3], 0],
    ['f32', [2, 4, 3], [2, 9, 3], 1],
    ['bf16', [3, 6], [3, 11], 1],
    ['i32', [6], [13], 0],
  ] as const) {
    it(`${dtype}[${xShape}] along ${axis} adds in source order, bit for bit`, async () => {
      const g = ops.trace('scatter', { x: { dtype, shape: xShape }, i: { dtype: 'i32', shape: idxShape }, s: { dtype, shape: idxShape } }, ({ x, i, s }) => ({
        y: ops.scatterAdd(x!, i!, s!, axis),
      }));
      const { run, gpuExe } = await pair(g);
      const values = (shape: Shape) => (dtype === 'i32' ? fc.array(fc.integer(), { minLength: numel(shape), maxLength: numel(shape) }).map((v) => tensorFrom('i32', shape, v)) : floats(dtype, shape, fc.float({ min: -1e4, max: 1e4, noNaN: true })));
      await fc.assert(fc.asyncProperty(values(xShape), indices(idxShape, xShape[axis]!), values(idxShape), (x, i, s) => run({ x, i, s }, 'bits')), { numRuns: RUNS });
      gpuExe.dispose();
    });
  }

  it('an index out of range fails the run', async () => {
    const g = ops.trace('scatter_bad', { x: { dtype: 'f32', shape: [4] }, i: { dtype: 'i32', shape: [3] }, s: { dtype: 'f32', shape: [3] } }, ({ x, i, s }) => ({ y: ops.scatterAdd(x!, i!, s!, 0) }));
    const exe = await (await gpu()).compile(g, noWeights);
    const run = (ids: number[]) => exe.run({ x: zeros('f32', [4]), i: tensorFrom('i32', [3], ids), s: zeros('f32', [3]) });
    await expect(run([0, 4, 1])).rejects.toThrow(/scatter_add index into axis 0 of f32\[4\]: an index is out of range \(expected 0 <= index < 4\)/);
    await expect(run([-1, 0, 0])).rejects.toThrow(/out of range/);
    exe.dispose();
  });
});

describe('cumsum', () => {
  for (const [dtype, shape, axis] of [
    ['f32', [3, 50], 1],
    ['f32', [6, 2, 5], 0],
    ['bf16', [4, 9], 1],
    ['i32', [3, 7], 1],
  ] as const) {
    it(`${dtype}[${shape}] along ${axis}`, async () => {
      const g = ops.trace('cumsum', { x: { dtype, shape } }, ({ x }) => ({ y: ops.cumsum(x!, axis) }));
      const { run, gpuExe } = await pair(g);
      const values = dtype === 'i32' ? fc.array(fc.integer(), { minLength: numel(shape), maxLength: numel(shape) }).map((v) => tensorFrom('i32', shape, v)) : floats(dtype, shape, fc.float({ min: -100, max: 100, noNaN: true }));
      await fc.assert(fc.asyncProperty(values, (x) => run({ x }, dtype === 'i32' ? 'bits' : 'tolerance')), { numRuns: RUNS });
      gpuExe.dispose();
    });
  }
});

describe('gather_matmul', () => {
  for (const [dtype, R, K, E, N] of [
    ['f32', 5, 12, 3, 9],
    ['f32', 1, 64, 4, 4],
    ['bf16', 6, 8, 2, 7],
  ] as const) {
    it(`${dtype}: ${R} rows of ${K} through ${E} experts of ${K}x${N}`, async () => {
      const g = ops.trace('gmm', { x: { dtype, shape: [R, K] }, w: { dtype, shape: [E, K, N] }, ids: { dtype: 'i32', shape: [R] } }, ({ x, w, ids }) => ({ y: ops.gatherMatmul(x!, w!, ids!) }));
      const { run, gpuExe } = await pair(g);
      const small = fc.float({ min: -2, max: 2, noNaN: true });
      await fc.assert(fc.asyncProperty(floats(dtype, [R, K], small), floats(dtype, [E, K, N], small), indices([R], E), (x, w, ids) => run({ x, w, ids }, 'tolerance')), { numRuns: RUNS });
      gpuExe.dispose();
    });
  }

  it('an expert id out of range fails the run', async () => {
    const g = ops.trace('gmm_bad', { x: { dtype: 'f32', shape: [2, 3] }, w: { dtype: 'f32', shape: [2, 3, 4] }, ids: { dtype: 'i32', shape: [2] } }, ({ x, w, ids }) => ({ y: ops.gatherMatmul(x!, w!, ids!) }));
    const exe = await (await gpu()).compile(g, noWeights);
    const ids = { dtype: 'i32' as const, shape: [2], data: allocStorage('i32', 2) };
    ids.data[1] = 2;
    await expect(exe.run({ x: zeros('f32', [2, 3]), w: zeros('f32', [2, 3, 4]), ids })).rejects.toThrow(/gather_matmul expert id into axis 0 of f32\[2,3,4\]: an index is out of range \(expected 0 <= index < 2\)/);
    exe.dispose();
  });
});
