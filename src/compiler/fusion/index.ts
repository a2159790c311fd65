// Fusion: decides which values are stored and builds one kernel per stored value. plan.ts decides storage and
// epilogues, rows.ts lets reductions join the kernels that read them, kernels.ts builds each kernel, order.ts
// orders them, limits.ts splits kernels that bind too many buffers.

import { numel, type Graph, type Node, type Value } from '../../ir/index.js';
import type { BufferDesc, BufferId, Kernel } from '../kernel.js';
import { buildKernel } from './kernels.js';
import { dependencyOrder } from './order.js';
import { LIBRARY_OPS, planStorage, type FusionOptions } from './plan.js';
import { groupRows } from './rows.js';

export type { FusionOptions } from './plan.js';
export { fuseWithinLimits, MIN_BUFFERS_PER_KERNEL } from './limits.js';

export interface FusedProgram {
  /** The graph fused: the one given, or it with wide concats nested to fit a buffer limit (limits.ts). */
  readonly graph: Graph;
  /** The graph values each kernel computes (for splitting and diagnostics). */
  readonly rootsOf: ReadonlyMap<Kernel, readonly Value[]>;
  /** Whether a value lives in a buffer (stored, an input, a weight, a constant). */
  readonly isBuffer: (v: Value) => boolean;
  readonly kernels: Kernel[];
  readonly buffers: BufferDesc[];
  readonly inputs: Record<string, BufferId>;
  readonly params: string[];
  readonly outputs: Record<string, BufferId>;
}

export function fuse(g: Graph, options: FusionOptions = {}): FusedProgram {
  const p = planStorage(g, options);
  const rows = groupRows(p);
  const asSibling = new Set([...rows.siblingsOf.values()].flat());
  // One kernel per stored value (library ops: per node), in graph order.
  const kernels: Kernel[] = [];
  const rootsOf = new Map<Kernel, readonly Value[]>();
  const done = new Set<Node>();
  const add = (k: Kernel, roots: readonly Value[]) => {
    if (writesNothing(k)) return;
    rootsOf.set(k, roots);
    kernels.push(k);
  };
  for (const v of g.inputs) if (p.stored.has(v)) add(buildKernel(p, v, [], [], kernels.length), [v]);
  for (const n of g.nodes) {
    for (const v of n.outputs) {
      if (!p.stored.has(v) || rows.merged.has(v) || asSibling.has(v)) continue;
      if (n.body || LIBRARY_OPS.has(n.op)) {
        if (done.has(n)) continue;
        done.add(n);
      }
      const k = buildKernel(p, v, rows.stagesOf.get(v) ?? [], rows.siblingsOf.get(v) ?? [], kernels.length);
      add(k, n.body || LIBRARY_OPS.has(n.op) ? n.outputs : [v, ...(rows.siblingsOf.get(v) ?? [])]);
    }
  }

  const outputs: Record<string, BufferId> = {};
  for (const o of g.outputs) {
    const id = p.bufferIds.get(o.value);
    if (id === undefined) throw new Error(`fusion: output ${o.name} has no buffer`);
    outputs[o.name] = id;
  }
  return {
    graph: g,
    kernels: dependencyOrder(kernels),
    buffers: p.buffers,
    inputs: p.inputs,
    params: [...p.params.values()],
    outputs,
    rootsOf,
    isBuffer: (v) => p.bufferIds.has(v) && !rows.merged.has(v),
  };
}

/**
 * Whether kernel `k` writes no element: its loops run zero times, or (a library op) every result is empty. Such a
 * kernel is never emitted: zero-size tensors are valid values (an empty prompt chunk, an expert no token reached),
 * and their buffers need no writer (spec/kernel-ir.md).
 */
function writesNothing(k: Kernel): boolean {
  const b = k.body;
  switch (b.kind) {
    case 'map':
    case 'reduce':
      return numel(b.shape) === 0;
    case 'contraction':
      return numel(b.batch) * b.m * b.n === 0;
    case 'library':
      return b.outputShapes.every((s) => numel(s) === 0);
  }
}
