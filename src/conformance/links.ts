// How a deep graph is checked: link by link. The result of every top-level composite becomes an extra graph output,
// so a backend's value of it is seen and checked against the oracle run on the backend's own operands (bounds.ts),
// and rounding differences never compound through a whole model into undetermined routing. A composite that holds
// two or more contracting composites (an MTP module: attention, MoE, head) is a container and is opened one level,
// so its parts become links of their own.

import { walkNodes, type Graph, type GraphBuilder, type GraphOutput, type Node, type Value } from '../ir/index.js';
import { emit, rewriteGraph } from '../compiler/rewrite.js';

const contracts = (g: Graph): boolean => [...walkNodes(g)].some((n) => n.op === 'matmul' || n.op === 'gather_matmul');

const isContainer = (n: Node): n is Node & { body: Graph } => n.body !== undefined && n.body.nodes.filter((m) => m.body && contracts(m.body)).length >= 2;

/** Puts a container's body in its place, one level deep (the composites inside stay composites). */
function open(node: Node & { body: Graph }, inputs: readonly Value[], b: GraphBuilder): Value[] {
  const outer = b.origin;
  const map = new Map<Value, Value>(node.body.inputs.map((p, i) => [p, inputs[i]!]));
  for (const n of node.body.nodes) {
    b.origin = outer ? `${outer}/${node.op}` : node.op;
    emit(n, n.inputs.map((v) => map.get(v)!), b).forEach((v, i) => map.set(n.outputs[i]!, v));
  }
  b.origin = outer;
  return node.body.outputs.map((o) => map.get(o.value)!);
}

function openContainers(g: Graph): Graph {
  if (!g.nodes.some(isContainer)) return g;
  return openContainers(rewriteGraph(g, (n, inputs, b) => (isContainer(n) ? open(n, inputs, b) : undefined)));
}

/** `g` with containers opened and every top-level composite result also an output, named link.<node>.<op>.<result>. */
export function linkedGraph(g: Graph): Graph {
  const opened = openContainers(g);
  const named = new Set(opened.outputs.map((o) => o.value));
  const links: GraphOutput[] = opened.nodes.flatMap((n, k) =>
    n.body ? n.outputs.filter((v) => !named.has(v)).map((value) => ({ name: `link.${k}.${n.op}.${n.outputs.indexOf(value)}`, value })) : [],
  );
  return { ...opened, outputs: [...opened.outputs, ...links] };
}
