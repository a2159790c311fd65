// Which kernels compute each node of the compiled graph. A kernel computes its root values and every value
// they read that is not in a buffer; an inline value read by several kernels is recomputed in each, so it
// belongs to each. Weights and literals are buffers no kernel writes: they belong to none.

import type { Node, Value } from '../../ir/index.js';
import type { CompileStages } from '../compile.js';

export interface KernelMembership {
  /** Indices into `program.kernels` of the kernels computing each node of the final graph, ascending. */
  readonly kernelsOf: ReadonlyMap<Node, readonly number[]>;
  /** The nodes each kernel computes, in graph order. */
  readonly nodesOf: readonly (readonly Node[])[];
}

export function kernelMembership({ graph, fused }: CompileStages): KernelMembership {
  const kernelsOf = new Map<Node, number[]>(graph.nodes.map((n) => [n, []]));
  // planMemory maps fused.kernels one to one, in order, onto program.kernels.
  fused.kernels.forEach((k, i) => {
    const seen = new Set<Node>();
    const visit = (v: Value, root: boolean) => {
      const n = v.node;
      if (!n || seen.has(n) || (!root && fused.isBuffer(v))) return;
      seen.add(n);
      kernelsOf.get(n)?.push(i);
      n.inputs.forEach((x) => visit(x, false));
    };
    fused.rootsOf.get(k)?.forEach((v) => visit(v, true));
  });
  const nodesOf: Node[][] = fused.kernels.map(() => []);
  for (const n of graph.nodes) for (const i of kernelsOf.get(n)!) nodesOf[i]!.push(n);
  return { kernelsOf, nodesOf };
}
