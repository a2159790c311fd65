// dce: drops nodes whose results nothing uses (every primitive is pure, so this never changes results).

import type { Graph, Node } from '../../ir/index.js';
import { rewriteGraph } from '../rewrite.js';

export function deadCodeElimination(g: Graph): Graph {
  const live = new Set<Node>();
  const need = new Set(g.outputs.map((o) => o.value));
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i]!;
    if (n.outputs.some((v) => need.has(v))) {
      live.add(n);
      n.inputs.forEach((v) => need.add(v));
    }
  }
  if (live.size === g.nodes.length) return g;
  // A dead node is replaced by nothing: its results are never looked up.
  return rewriteGraph(g, (n) => (live.has(n) ? undefined : []));
}
