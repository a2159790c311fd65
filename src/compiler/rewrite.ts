// The one way passes transform graphs: rebuild node by node through a GraphBuilder, letting a rule replace
// nodes. The result is a new graph (passes are pure) and is checked by the builder as it is made.

import { GraphBuilder, inputName, type Graph, type Node, type Value } from '../ir/index.js';

/** Returns replacement values for `node`'s results, or undefined to keep the node as it is. */
export type NodeRule = (node: Node, inputs: readonly Value[], b: GraphBuilder) => readonly Value[] | undefined;

/** Re-adds `node` unchanged (with new operands). */
export function emit(node: Node, inputs: readonly Value[], b: GraphBuilder): Value[] {
  return node.body ? b.region(node.op, inputs, node.attrs, node.body) : [b.op(node.op, inputs, node.attrs)];
}

export function rewriteGraph(g: Graph, rule: NodeRule): Graph {
  const b = new GraphBuilder(g.name);
  const map = new Map<Value, Value>();
  for (const v of g.inputs) map.set(v, b.input(inputName(v), v.type));
  for (const n of g.nodes) {
    const inputs = n.inputs.map((v) => map.get(v)!);
    b.origin = n.origin;
    const outputs = rule(n, inputs, b) ?? emit(n, inputs, b);
    n.outputs.forEach((v, i) => map.set(v, outputs[i]!));
  }
  return b.build(g.outputs.map((o) => ({ name: o.name, value: map.get(o.value)! })));
}
