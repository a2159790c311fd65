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
  const order: Kernel[] = [];
  const visit = (i: number) => {
    if (done.has(i)) return;
    done.add(i);
    const k = kernels[i]!;
    for (const inp of k.inputs) {
      const ws = writers.get(inp.buffer)?.filter((w) => w !== i) ?? [];
      ws.forEach(visit);
    }
    for (const out of k.outputs) writers.get(out.buffer)!.filter((w) => w < i).forEach(visit);
    order.push(k);
  };
  kernels.forEach((_, i) => visit(i));
  return order;
}
