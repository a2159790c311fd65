// The SIMD GEMM path of the wasm backend (contractions of at least SIMD_MIN_WORK multiply-adds; the conformance
// cases are smaller and run the exact loop nest): shapes off the 4x8 tile, weights packed once (plain and
// transposed), activations packed every run, batches, an epilogue, and special values, each against the op-by-op
// oracle within the matmul tolerance the conformance judge derives, and bit for bit the same on one thread as on two.

import { afterAll, describe, expect, it } from 'vitest';
import { cpuBackend } from '../../../src/backends/cpu/backend.js';
import { wasmBackend } from '../../../src/backends/wasm/backend.js';
import { gemmPlan } from '../../../src/backends/wasm/gemm.js';
import { compile } from '../../../src/compiler/compile.js';
import { mulberry32 } from '../../../src/numerics/index.js';
import { parseGraph, tensorData, weightMap, type TensorData } from '../../../src/ir/index.js';

const random = (shape: number[], seed: number, special?: number): TensorData => {
  const next = mulberry32(seed);
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => next() * 2 - 1);
  if (special !== undefined) data[7] = special;
  return tensorData('f32', shape, data);
};

interface GemmCase {
  readonly name: string;
  readonly graph: string;
  readonly inputs: Readonly<Record<string, TensorData>>;
  readonly weights?: Readonly<Record<string, TensorData>>;
}

const CASES: readonly GemmCase[] = [
  {
    name: 'activations, M and N off the tile (37x61 @ 61x45)',
    graph: 'graph g(%a: f32[37,61], %b: f32[61,45]) {\n  %0 = matmul(%a, %b) : f32[37,45]\n  return y = %0\n}',
    inputs: { a: random([37, 61], 1), b: random([61, 45], 2) },
  },
  {
    name: 'a weight, transposed, with a residual epilogue (33x64 @ (40x64)^T)',
    graph:
      'graph g(%a: f32[33,64], %r: f32[33,40]) {\n  %w = weight() {dtype="f32", name="w", shape=[40,64]} : f32[40,64]\n  %t = permute(%w) {perm=[1,0]} : f32[64,40]\n' +
      '  %0 = matmul(%a, %t) : f32[33,40]\n  %1 = add(%0, %r) : f32[33,40]\n  return y = %1\n}',
    inputs: { a: random([33, 64], 3), r: random([33, 40], 4) },
    weights: { w: random([40, 64], 5) },
  },
  {
    name: 'one row on a weight (1x512 @ 512x96, decode)',
    graph: 'graph g(%a: f32[1,512]) {\n  %w = weight() {dtype="f32", name="w", shape=[512,96]} : f32[512,96]\n  %0 = matmul(%a, %w) : f32[1,96]\n  return y = %0\n}',
    inputs: { a: random([1, 512], 6) },
    weights: { w: random([512, 96], 7) },
  },
  {
    name: 'batched (3x20x50 @ 3x50x36)',
    graph: 'graph g(%a: f32[3,20,50], %b: f32[3,50,36]) {\n  %0 = matmul(%a, %b) : f32[3,20,36]\n  return y = %0\n}',
    inputs: { a: random([3, 20, 50], 8), b: random([3, 50, 36], 9) },
  },
  {
    name: 'large enough to split rows over threads (70x300 @ 300x72)',
    graph: 'graph g(%a: f32[70,300], %b: f32[300,72]) {\n  %0 = matmul(%a, %b) : f32[70,72]\n  return y = %0\n}',
    inputs: { a: random([70, 300], 12), b: random([300, 72], 13) },
  },
  {
    name: 'one row, split by panels over threads (1x512 @ 512x2100, a weight)',
    graph: 'graph g(%a: f32[1,512]) {\n  %w = weight() {dtype="f32", name="w", shape=[512,2100]} : f32[512,2100]\n  %0 = matmul(%a, %w) : f32[1,2100]\n  return y = %0\n}',
    inputs: { a: random([1, 512], 14) },
    weights: { w: random([512, 2100], 15) },
  },
  {
    name: 'batched and split (2x40x200 @ 2x200x80)',
    graph: 'graph g(%a: f32[2,40,200], %b: f32[2,200,80]) {\n  %0 = matmul(%a, %b) : f32[2,40,80]\n  return y = %0\n}',
    inputs: { a: random([2, 40, 200], 16), b: random([2, 200, 80], 17) },
  },
  {
    name: 'inf and NaN propagate (0·inf = NaN)',
    graph: 'graph g(%a: f32[40,40], %b: f32[40,40]) {\n  %0 = matmul(%a, %b) : f32[40,40]\n  return y = %0\n}',
    inputs: { a: random([40, 40], 10, Infinity), b: random([40, 40], 11, NaN) },
  },
];

describe('wasm SIMD GEMM', () => {
  const wasm = wasmBackend({ threads: 2 });
  const oneThread = wasmBackend({ threads: 1 });
  const oracle = cpuBackend({ mode: 'reference' });
  afterAll(() => {
    wasm.dispose();
    oneThread.dispose();
    oracle.dispose();
  });

  it('runs on the threads asked for', () => {
    expect(wasm.device.runsOn).toContain('2 threads');
    expect(oneThread.device.runsOn).toContain('1 thread');
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const graph = parseGraph(c.graph);
      const contractions = compile(graph).kernels.flatMap((k) => (k.body.kind === 'contraction' ? [k.body] : []));
      expect(contractions.length).toBe(1);
      expect(gemmPlan(contractions[0]!)).toBeDefined();
      const weights = weightMap(c.weights ?? {});
      const [mine, single, expected] = await Promise.all([wasm, oneThread, oracle].map(async (b) => (await (await b.compile(graph, weights)).run(c.inputs)).outputs.y!));
      const [y, want] = [mine!.data as Float32Array, expected!.data as Float32Array];
      // Twice, so a weight packed at the first run is read again at the second.
      const again = (await (await wasm.compile(graph, weights)).run(c.inputs)).outputs.y!.data;
      expect(again).toEqual(y);
      // Bit for bit the same on one thread as on two.
      expect(new Uint32Array(single!.data.buffer)).toEqual(new Uint32Array(y.buffer));
      for (let i = 0; i < want.length; i++) {
        if (Number.isNaN(want[i])) expect(y[i], `element ${i}`).toBeNaN();
        else if (y[i] !== want[i]) expect(Math.abs(y[i]! - want[i]!), `element ${i}: ${y[i]} vs ${want[i]}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[i]!)));
      }
    });
  }

});
