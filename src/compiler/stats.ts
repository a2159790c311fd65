// Static figures for a compiled program: per kernel, the bytes its buffers hold (read and written once each)
// and its arithmetic (flops: float ops per element; a contraction counts 2·M·N·K). `dsv3 compile --stats`.

import { byteSize } from '../ir/index.js';
import { topoOrder, type Expr } from './expr.js';
import type { Kernel, Program } from './kernel.js';

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
      return 0;
  }
}

export function programStats(p: Program): ProgramStats {
  const perKernel = p.kernels.map((k) => ({
    name: k.name,
    kind: k.body.kind === 'library' ? `library:${k.body.op}` : k.body.kind,
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
