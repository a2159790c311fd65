// dce: drops nodes whose results nothing uses (every primitive is pure, so this never changes results).

import { neededValues, type Graph } from '../../ir/index.js';
import { rewriteGraph } from '../rewrite.js';

export function deadCodeElimination(g: Graph): Graph {
  const need = neededValues(g, g.outputs.map((o) => o.value));
  const live = new Set(g.nodes.filter((n) => n.outputs.some((v) => need.has(v))));
  if (live.size === g.nodes.length) return g;
  // A dead node is replaced by nothing: its results are never looked up.
  return rewriteGraph(g, (n) => (live.has(n) ? undefined : []));
}
