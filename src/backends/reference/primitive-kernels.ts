// The CPU kernel of every primitive op, by name. Elementwise ops come from the IR's op families, so a new unary
// or binary op only needs its template in scalar-js.ts.

import { primitiveNames, type Attrs, type DType, type StorageArray, type TensorType, type WeightStore } from '../../ir/index.js';
import type { Fp8CastMode } from '../../numerics/index.js';
import { mapElements, opKernel, whereKernel } from './elementwise.js';
import { cast } from './kernels/cast.js';
import { gather, scatterAdd, take } from './kernels/indexing.js';
import { gatherMatmul, matmul } from './kernels/matmul.js';
import { concat, dynamicSlice, dynamicUpdateSlice, pad } from './kernels/movement.js';
import { cumsum, reduce } from './kernels/reduce.js';
import { full, iota, literal, weight } from './kernels/source.js';
import { topk } from './kernels/topk.js';
import { broadcastView, permuteView, reshapeView, sliceView, type CpuTensor } from './tensor.js';

export interface KernelContext {
  readonly weights: WeightStore | undefined;
  /** Storage the run does not own (inputs, weights): results that view it are copied before they are returned. */
  readonly borrowed: Set<StorageArray>;
}

/** Computes a primitive's result from its operands, attributes and (already inferred) result type. */
export type PrimitiveKernel = (inputs: readonly CpuTensor[], attrs: Attrs, result: TensorType, ctx: KernelContext) => CpuTensor;

const int = (attrs: Attrs, key: string): number => attrs[key] as number;
const ints = (attrs: Attrs, key: string): readonly number[] => attrs[key] as readonly number[];

const elementwise =
  (op: string): PrimitiveKernel =>
  (inputs, _, result) =>
    mapElements(opKernel(op, inputs[0]!.dtype, inputs.length, result.dtype), inputs);

const KERNELS: Record<string, PrimitiveKernel> = {
  full: (_, a) => full(a.dtype as DType, ints(a, 'shape'), a.value as number),
  literal: (_, a) => literal(a.dtype as DType, ints(a, 'shape'), ints(a, 'values')),
  iota: (_, a) => iota(a.dtype as DType, ints(a, 'shape'), int(a, 'axis')),
  weight: (_, a, __, ctx) => {
    const t = weight(ctx.weights, a.name as string, a.dtype as DType, ints(a, 'shape'));
    ctx.borrowed.add(t.data);
    return t;
  },
  where: ([c, x, y]) => mapElements(whereKernel(x!.dtype), [c!, x!, y!]),
  cast: ([x], a) => cast(x!, a.dtype as DType, a.mode as Fp8CastMode | undefined),
  reduce_sum: ([x], a) => reduce('reduce_sum', x!, ints(a, 'axes'), a.keepdims as boolean),
  reduce_max: ([x], a) => reduce('reduce_max', x!, ints(a, 'axes'), a.keepdims as boolean),
  reduce_min: ([x], a) => reduce('reduce_min', x!, ints(a, 'axes'), a.keepdims as boolean),
  cumsum: ([x], a) => cumsum(x!, int(a, 'axis')),
  matmul: ([x, y]) => matmul(x!, y!),
  gather_matmul: ([x, w, ids]) => gatherMatmul(x!, w!, ids!),
  reshape: ([x], a) => reshapeView(x!, ints(a, 'shape')),
  permute: ([x], a) => permuteView(x!, ints(a, 'perm')),
  broadcast: ([x], a) => broadcastView(x!, ints(a, 'shape')),
  slice: ([x], a) => sliceView(x!, ints(a, 'starts'), ints(a, 'ends'), ints(a, 'steps')),
  concat: (xs, a) => concat(xs, int(a, 'axis')),
  pad: ([x], a) => pad(x!, ints(a, 'lo'), ints(a, 'hi'), a.value as number),
  dynamic_slice: ([x, start], a) => dynamicSlice(x!, start!, int(a, 'axis'), int(a, 'size')),
  dynamic_update_slice: ([x, u, start], a) => dynamicUpdateSlice(x!, u!, start!, int(a, 'axis')),
  take: ([x, idx], a) => take(x!, idx!, int(a, 'axis')),
  gather: ([x, idx], a) => gather(x!, idx!, int(a, 'axis')),
  scatter_add: ([x, idx, src], a) => scatterAdd(x!, idx!, src!, int(a, 'axis')),
  topk: ([x], a) => topk(x!, int(a, 'k'), int(a, 'axis')),
};

const ELEMENTWISE_OPS = [...primitiveNames('unary'), ...primitiveNames('binary')];

export const PRIMITIVE_KERNELS: ReadonlyMap<string, PrimitiveKernel> = new Map([
  ...ELEMENTWISE_OPS.map((op): [string, PrimitiveKernel] => [op, elementwise(op)]),
  ...Object.entries(KERNELS),
]);
