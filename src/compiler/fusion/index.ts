// Fusion: decides which values are stored and builds one kernel per stored value. plan.ts decides storage and
// epilogues, rows.ts lets reductions join the kernels that read them, kernels.ts builds each kernel, order.ts
// orders them, limits.ts splits kernels that bind too many buffers.

import type { Graph, Node, Value } from '../../ir/index.js';
import type { BufferDesc, BufferId, Kernel } from '../kernel.js';
import { buildKernel } from './kernels.js';
import { dependencyOrder } from './order.js';
import { LIBRARY_OPS, planStorage, type FusionOptions } from './plan.js';
import { groupRows } from './rows.js';

export type { FusionOptions } from './plan.js';
export { fuseWithinLimits } from './limits.js';

export interface FusedProgram {
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
  for (const v of g.inputs) if (p.stored.has(v)) kernels.push(buildKernel(p, v, [], [], kernels.length));
  for (const n of g.nodes) {
    for (const v of n.outputs) {
      if (!p.stored.has(v) || rows.merged.has(v) || asSibling.has(v)) continue;
      if (n.body || LIBRARY_OPS.has(n.op)) {
        if (done.has(n)) continue;
        done.add(n);
      }
      const k = buildKernel(p, v, rows.stagesOf.get(v) ?? [], rows.siblingsOf.get(v) ?? [], kernels.length);
      rootsOf.set(k, n.body || LIBRARY_OPS.has(n.op) ? n.outputs : [v, ...(rows.siblingsOf.get(v) ?? [])]);
      kernels.push(k);
    }
  }

  const outputs: Record<string, BufferId> = {};
  for (const o of g.outputs) {
    const id = p.bufferIds.get(o.value);
    if (id === undefined) throw new Error(`fusion: output ${o.name} has no buffer`);
    outputs[o.name] = id;
  }
  return {
    kernels: dependencyOrder(kernels),
    buffers: p.buffers,
    inputs: p.inputs,
    params: [...p.params.values()],
    outputs,
    rootsOf,
    isBuffer: (v) => p.bufferIds.has(v) && !rows.merged.has(v),
  };
}
