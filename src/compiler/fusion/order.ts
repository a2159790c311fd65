// Fusion, last step: the order kernels run in.

import type { BufferId, Kernel } from '../kernel.js';

/**
 * Kernels in an order where each runs after the kernels writing what it reads, and after earlier writers of the
 * buffers it overwrites in place (stable: graph order otherwise).
 */
export function dependencyOrder(kernels: readonly Kernel[]): Kernel[] {
  const writers = new Map<BufferId, number[]>();
  kernels.forEach((k, i) => k.outputs.forEach((o) => writers.set(o.buffer, [...(writers.get(o.buffer) ?? []), i])));
  const done = new Set<number>();
  const visiting = new Set<number>();
  const order: Kernel[] = [];
  const visit = (i: number) => {
    if (done.has(i)) return;
    const k = kernels[i]!;
    // A cycle means fusion put values that depend on each other into kernels that do: no order runs them.
    if (visiting.has(i)) throw new Error(`fusion: kernel ${k.name} depends on its own results through other kernels (a fusion bug)`);
    visiting.add(i);
    for (const inp of k.inputs) {
      const ws = writers.get(inp.buffer)?.filter((w) => w !== i) ?? [];
      ws.forEach(visit);
    }
    for (const out of k.outputs) writers.get(out.buffer)!.filter((w) => w < i).forEach(visit);
    visiting.delete(i);
    done.add(i);
    order.push(k);
  };
  kernels.forEach((_, i) => visit(i));
  return order;
}
