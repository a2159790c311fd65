// Static figures for a compiled program: per kernel, the bytes its buffers hold (read and written once each)
// and its arithmetic (flops: float ops per element; a contraction counts 2·M·N·K; a library kernel what its op's
// primitives count, a claimed composite's taken from its compiled decomposition). `dsv3 compile --stats`.

import { byteSize, isFloat } from '../ir/index.js';
import { compile } from './compile.js';
import { topoOrder, type Expr } from './expr.js';
import { kernelKind, type Kernel, type LibraryBody, type Program } from './kernel.js';
import { libraryGraph } from './library-graph.js';

export interface KernelStats {
  readonly name: string;
  readonly kind: string;
  readonly origin: string;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly flops: number;
}

export interface ProgramStats {
  readonly kernels: number;
  readonly dispatches: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly flops: number;
  readonly perKernel: readonly KernelStats[];
}

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Float arithmetic nodes among `roots` (loads, index math and casts are not counted). */
function floatOps(roots: readonly Expr[]): number {
  return topoOrder(roots).filter((e) => e.type === 'f32' && e.args.length > 0 && e.kind !== 'load' && e.kind !== 'cast' && e.kind !== 'where').length;
}

function flopsOf(k: Kernel): number {
  const b = k.body;
  switch (b.kind) {
    case 'map':
      return numel(b.shape) * floatOps(b.stores.map((s) => s.value));
    case 'reduce': {
      const rows = numel(b.shape);
      const width = numel(b.rshape);
      const perAcc = b.accumulators.reduce((s, a) => s + (floatOps([a.value]) + 1) * width, 0);
      return rows * (perAcc + floatOps(b.stores.map((s) => s.value)) + width * floatOps(b.rowStores.map((s) => s.value)));
    }
    case 'contraction':
      return numel(b.batch) * b.m * b.n * (2 * b.k + floatOps(b.stores.map((s) => s.value)));
    case 'library':
      return libraryFlops(k, b);
  }
}

/** Claimed composites' flops by signature: a model repeats the same few in every layer. */
const compositeFlops = new Map<string, number>();

function libraryFlops(k: Kernel, b: LibraryBody): number {
  const float = k.outputs.some((o) => isFloat(o.dtype));
  const [x, w] = b.inputShapes as [readonly number[], readonly number[]];
  switch (b.op) {
    case 'gather_matmul':
      return 2 * x[0]! * x[1]! * w[2]!;
    case 'cumsum':
      return float ? numel(x) : 0;
    case 'scatter_add':
      return float ? numel(b.inputShapes[2]!) : 0;
    case 'topk':
      return 0;
  }
  const key = JSON.stringify([b.op, b.attrs, b.inputShapes, k.inputs.map((i) => i.dtype), b.widened ?? []]);
  let flops = compositeFlops.get(key);
  if (flops === undefined) {
    flops = programStats(compile(libraryGraph(k, b))).flops;
    compositeFlops.set(key, flops);
  }
  return flops;
}

export function programStats(p: Program): ProgramStats {
  const perKernel = p.kernels.map((k) => ({
    name: k.name,
    kind: kernelKind(k),
    origin: k.origin.join('/'),
    bytesRead: k.inputs.reduce((s, b) => s + b.size * byteSize(b.dtype), 0),
    bytesWritten: k.outputs.reduce((s, b) => s + b.size * byteSize(b.dtype), 0),
    flops: flopsOf(k),
  }));
  const total = (f: (s: KernelStats) => number) => perKernel.reduce((s, k) => s + f(k), 0);
  return {
    kernels: perKernel.length,
    dispatches: perKernel.length,
    bytesRead: total((k) => k.bytesRead),
    bytesWritten: total((k) => k.bytesWritten),
    flops: total((k) => k.flops),
    perKernel,
  };
}
