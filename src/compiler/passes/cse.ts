// cse: common-subexpression elimination — a node equal to an earlier one (same op, operands and attributes;
// composites also the same body) is replaced by the earlier one's results.

import { formatAttrValue, type Graph, type Value } from '../../ir/index.js';
import { emit, rewriteGraph } from '../rewrite.js';

export function commonSubexpressions(g: Graph): Graph {
  const seen = new Map<string, Value[]>();
  const bodyIds = new Map<Graph, number>();
  return rewriteGraph(g, (n, inputs, b) => {
    const attrs = Object.keys(n.attrs)
      .sort()
      .map((k) => `${k}=${formatAttrValue(n.attrs[k]!)}`)
      .join(',');
    const body = n.body ? `#${bodyIds.get(n.body) ?? bodyIds.set(n.body, bodyIds.size).size - 1}` : '';
    const key = `${n.op}${body}(${inputs.map((v) => v.id).join(',')}){${attrs}}`;
    const found = seen.get(key);
    if (found) return found;
    const outs = emit(n, inputs, b);
    seen.set(key, outs);
    return outs;
  });
}
