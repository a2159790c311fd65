// The library kernels of the kernel IR (spec/kernel-ir.md, `library`) on host storage: the primitives the compiler
// leaves to a routine (cumsum, topk, scatter_add, gather_matmul), run by the interpreter's own kernels, and any
// composite, run by its decomposition op by op (what a backend does with a composite another backend claimed: the
// CPU in shadow mode). Any backend whose buffers are host storage arrays can run library kernels with it.

import { contiguousStrides, formatShape, sameShape, type DType, type SlicedWeight, type StorageArray } from '../../ir/index.js';
import { COMPOSITES } from '../../composites/index.js';
import type { Kernel, LibraryBody } from '../../compiler/kernel.js';
import { libraryGraph } from '../../compiler/library-graph.js';
import { evaluateGraph } from './interpreter.js';
import { gatherMatmul } from './kernels/matmul.js';
import { scatterAdd } from './kernels/indexing.js';
import { cumsum } from './kernels/reduce.js';
import { topk } from './kernels/topk.js';
import { toTensorData, type CpuTensor } from './tensor.js';

/** A library kernel at run time: its input and output storage, and the runtime parameters by name. */
export type HostKernel = (ins: readonly StorageArray[], outs: readonly StorageArray[], params: Readonly<Record<string, number>>) => void;

const tensorOf = (data: StorageArray, dtype: DType, shape: readonly number[]): CpuTensor => ({ dtype, shape: [...shape], strides: contiguousStrides(shape), offset: 0, data });

/** The op of `body` on its operands as tensors. `experts`: the gather_matmul experts bound slice by slice. */
function libraryOp(k: Kernel, body: LibraryBody, experts: SlicedWeight | undefined): (x: CpuTensor[]) => CpuTensor[] {
  switch (body.op) {
    case 'cumsum':
      return ([x]) => [cumsum(x!, body.attrs.axis as number)];
    case 'topk':
      return ([x]) => [topk(x!, body.attrs.k as number, body.attrs.axis as number)];
    case 'scatter_add':
      return ([x, i, s]) => [scatterAdd(x!, i!, s!, body.attrs.axis as number)];
    case 'gather_matmul':
      return ([x, w, ids]) => [gatherMatmul(x!, w!, ids!, experts)];
  }
  if (!COMPOSITES.has(body.op)) throw new Error(`library kernel ${k.name}: no routine for "${body.op}", and no composite of that name`);
  const graph = libraryGraph(k, body);
  return (x) => evaluateGraph(graph, x);
}

/** Library kernel `k` on host storage; `experts`, when given, is the gather_matmul weight bound slice by slice. */
export function libraryKernel(k: Kernel, body: LibraryBody, experts?: SlicedWeight): HostKernel {
  const op = libraryOp(k, body, experts);
  const operand = (ins: readonly StorageArray[], params: Readonly<Record<string, number>>, i: number): CpuTensor => {
    const o = body.operands[i]!;
    if (o.kind === 'param') return tensorOf(Int32Array.of(params[o.name]!), 'i32', []);
    return tensorOf(ins[o.slot]!, k.inputs[o.slot]!.dtype, body.inputShapes[i]!);
  };
  return (ins, outs, params) => {
    const results = op(body.operands.map((_, i) => operand(ins, params, i)));
    results.forEach((result, i) => {
      if (!sameShape(result.shape, body.outputShapes[i]!)) throw new Error(`library kernel ${k.name} (${body.op}): result ${formatShape(result.shape)} differs from ${formatShape(body.outputShapes[i]!)}`);
      outs[i]!.set(toTensorData(result).data as never);
    });
  };
}
