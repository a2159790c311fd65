// Which composites a backend claims in a graph. A backend lists the composites it has kernels for, each with a test
// of the attributes and operand types it handles; a composite is claimed only when every occurrence of it, at any
// depth, passes, and otherwise the compiler decomposes it like any other.

import { walkNodes, type Graph, type Node, type Value } from '../ir/index.js';
import { isRuntimeParam } from './fusion/plan.js';

export interface ClaimTest {
  /** Whether the backend's kernel computes this occurrence of the composite. */
  supports(node: Node): boolean;
}

/** The composites of `graph` whose every occurrence one of `claims` supports. */
export function claimableComposites(graph: Graph, claims: ReadonlyMap<string, ClaimTest>): Set<string> {
  const seen = new Set<string>();
  const unsupported = new Set<string>();
  for (const node of walkNodes(graph)) {
    const claim = claims.get(node.op);
    if (!claim || !node.body) continue;
    seen.add(node.op);
    if (!claim.supports(node)) unsupported.add(node.op);
  }
  return new Set([...seen].filter((op) => !unsupported.has(op)));
}

/**
 * `claimed` without the composites of `graph` that would bind more than `maxBuffers` buffers as a library kernel (one
 * per distinct operand other than a runtime parameter, and one per result): a library kernel is not split, so those
 * are decomposed instead and their kernels split like any other.
 */
export function claimsWithinLimit(graph: Graph, claimed: ReadonlySet<string>, maxBuffers: number): Set<string> {
  const over = new Set<string>();
  const visit = (g: Graph, params: ReadonlySet<Value>) => {
    for (const node of g.nodes) {
      if (claimed.has(node.op) && new Set(node.inputs.filter((v) => !params.has(v))).size + node.outputs.length > maxBuffers) over.add(node.op);
      if (node.body) visit(node.body, new Set(node.body.inputs.filter((_, i) => params.has(node.inputs[i]!))));
    }
  };
  visit(graph, new Set(graph.inputs.filter(isRuntimeParam)));
  return new Set([...claimed].filter((op) => !over.has(op)));
}
