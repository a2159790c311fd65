// What suite `webgpu` times: a workload is a dsv3 graph with its weights and inputs, plus the same computation
// described for the peer libraries (which build it from their own ops); a system prepares a workload once and then
// runs it call after call.

import { GraphBuilder, tensorData, weightMap, type Graph, type TensorData, type WeightStore } from '../src/ir/index.js';
import { mulberry32 } from '../src/numerics/index.js';
import type { BlockSpec } from './webgpu-block-spec.js';

export type PeerTask = { readonly kind: 'matmul'; readonly a: TensorData; readonly b: TensorData } | { readonly kind: 'block'; readonly block: BlockSpec };

export interface Workload {
  readonly name: string;
  /** Floating-point operations of one call (2 per multiply-add). */
  readonly flops: number;
  readonly graph: Graph;
  readonly weights: WeightStore;
  readonly inputs: Readonly<Record<string, TensorData>>;
  /** The dsv3 output the peers' results are compared with. */
  readonly output: string;
  readonly peer: PeerTask;
}

export interface Prepared {
  /** One call: compute, and read the result back. */
  run(): Promise<void>;
  /** The result of the last call, as f32. */
  output(): Promise<Float32Array>;
  dispose(): void;
}

export interface System {
  readonly name: string;
  prepare(w: Workload): Promise<Prepared>;
}

/** Uniform in [-1, 1), seeded (mulberry32). */
export function uniform(n: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: n }, () => next() * 2 - 1);
}

/** C[M,N] = A[M,K] @ B[K,N]: A an input, B a weight (resident on the device, as a model's are). */
export function matmulWorkload(name: string, m: number, k: number, n: number): Workload {
  const a = tensorData('f32', [m, k], uniform(m * k, 1));
  const b = tensorData('f32', [k, n], uniform(k * n, 2));
  const g = new GraphBuilder('matmul');
  const c = g.op('matmul', [g.input('a', { dtype: 'f32', shape: [m, k] }), g.op('weight', [], { name: 'b', dtype: 'f32', shape: [k, n] })]);
  return { name, flops: 2 * m * k * n, graph: g.build({ c }), weights: weightMap({ b }), inputs: { a }, output: 'c', peer: { kind: 'matmul', a, b } };
}
