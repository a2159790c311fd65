// decompose: inlines the bodies of composite nodes, except composites the backend claims (it runs those with
// its own kernels). Inlined nodes remember the region they came from (`origin`).

import type { GraphBuilder, Graph, Node, Value } from '../../ir/index.js';
import { emit, rewriteGraph } from '../rewrite.js';

function inline(node: Node & { body: Graph }, inputs: readonly Value[], b: GraphBuilder, claimed: ReadonlySet<string>): Value[] {
  const outer = b.origin;
  const region = outer ? `${outer}/${node.op}` : node.op;
  const map = new Map<Value, Value>(node.body.inputs.map((p, i) => [p, inputs[i]!]));
  for (const n of node.body.nodes) {
    const args = n.inputs.map((v) => map.get(v)!);
    b.origin = region;
    const outs = n.body && !claimed.has(n.op) ? inline(n as Node & { body: Graph }, args, b, claimed) : emit(n, args, b);
    n.outputs.forEach((v, i) => map.set(v, outs[i]!));
  }
  b.origin = outer;
  return node.body.outputs.map((o) => map.get(o.value)!);
}

export function decompose(g: Graph, claimed: ReadonlySet<string> = new Set()): Graph {
  return rewriteGraph(g, (n, inputs, b) => (n.body && !claimed.has(n.op) ? inline(n as Node & { body: Graph }, inputs, b, claimed) : undefined));
}
