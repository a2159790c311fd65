// Device limits: a kernel binding more buffers than the device allows is split, never refused.

import type { Graph, Value } from '../../ir/index.js';
import type { Kernel } from '../kernel.js';
import { INLINE_OPS } from '../lower.js';
import { fuse, type FusedProgram } from './index.js';
import type { FusionOptions } from './plan.js';

/**
 * Fuses `g` so that no kernel (other than library ones) uses more than `maxBuffers` buffers: a kernel over the
 * limit gets an inline value of its own stored instead — the one reading the most of its buffers, short of all
 * of them — and fusion runs again.
 */
export function fuseWithinLimits(g: Graph, options: FusionOptions, maxBuffers: number): FusedProgram {
  const split = new Set(options.split ?? []);
  for (;;) {
    const p = fuse(g, { ...options, split });
    const over = p.kernels.find((k) => k.body.kind !== 'library' && k.inputs.length + k.outputs.length > maxBuffers);
    if (!over) return p;
    const value = splitPoint(p, over, split);
    if (!value) throw new Error(`fusion: kernel ${over.name} needs ${over.inputs.length + over.outputs.length} buffers and cannot be split below ${maxBuffers}`);
    split.add(value);
  }
}

/** The inline value of `k`'s region reading the most distinct buffers: at least 2, fewer than all of them. */
function splitPoint(p: FusedProgram, k: Kernel, split: ReadonlySet<Value>): Value | undefined {
  const reads = new Map<Value, Set<Value>>();
  const readsUnder = (v: Value): Set<Value> => {
    let r = reads.get(v);
    if (r) return r;
    r = new Set();
    if (p.isBuffer(v)) r.add(v);
    else for (const x of v.node?.inputs ?? []) for (const b of readsUnder(x)) r.add(b);
    reads.set(v, r);
    return r;
  };
  const region = new Set<Value>();
  const visit = (v: Value, top: boolean) => {
    if (region.has(v) || (!top && p.isBuffer(v))) return;
    if (!top) region.add(v);
    v.node?.inputs.forEach((x) => visit(x, false));
  };
  p.rootsOf.get(k)!.forEach((v) => visit(v, true));
  const total = new Set(p.rootsOf.get(k)!.flatMap((v) => (v.node?.inputs ?? []).flatMap((x) => [...readsUnder(x)]))).size;
  let best: Value | undefined;
  let bestCount = 1;
  for (const v of region) {
    const count = readsUnder(v).size;
    if (!split.has(v) && v.node && INLINE_OPS.has(v.node.op) && count > bestCount && count < total) {
      best = v;
      bestCount = count;
    }
  }
  return best;
}
