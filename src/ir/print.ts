// The text form of a graph: deterministic (values renumbered in print order, attributes sorted), diffable, and
// parsed back by parse.ts. Composite regions print with their bodies.
//
//   graph demo(%x: f32[2,3]) {
//     %0 = weight() {dtype="f32", name="w", shape=[3,4]} : f32[3,4]
//     %1 = matmul(%x, %0) : f32[2,4]
//     %2 = composite silu(%1) : f32[2,4] {
//       ^(%x: f32[2,4])
//       ...
//       return %5
//     }
//     return y = %2
//   }
//
// A node inlined from a composite by the compiler records its region: `%7 = mul(%5, %6) : f32[2,4] from "rms_norm"`.

import { formatAttrValue } from './attrs.js';
import { formatType, type Attrs, type Graph, type Value } from './graph.js';

function formatAttrs(attrs: Attrs): string {
  const keys = Object.keys(attrs).sort();
  return keys.length ? ` {${keys.map((k) => `${k}=${formatAttrValue(attrs[k]!)}`).join(', ')}}` : '';
}

export function printGraph(g: Graph): string {
  const names = new Map<Value, string>();
  let counter = 0;
  const lines: string[] = [];
  const ref = (v: Value) => {
    const name = names.get(v);
    if (name === undefined) throw new Error(`printGraph: %${v.id} used before it is defined`);
    return name;
  };
  const params = (body: Graph) => {
    for (const p of body.inputs) names.set(p, `%${p.def.kind === 'input' ? p.def.name : p.id}`);
    return body.inputs.map((p) => `${ref(p)}: ${formatType(p.type)}`).join(', ');
  };
  const printNodes = (body: Graph, indent: string) => {
    for (const n of body.nodes) {
      const results = n.outputs.map((v) => {
        const name = `%${counter++}`;
        names.set(v, name);
        return name;
      });
      const head = `${indent}${results.join(', ')} = ${n.body ? 'composite ' : ''}${n.op}(${n.inputs.map(ref).join(', ')})${formatAttrs(n.attrs)}`;
      const types = n.outputs.map((v) => formatType(v.type)).join(', ') + (n.origin ? ` from ${JSON.stringify(n.origin)}` : '');
      if (!n.body) {
        lines.push(`${head} : ${types}`);
        continue;
      }
      lines.push(`${head} : ${types} {`);
      lines.push(`${indent}  ^(${params(n.body)})`);
      printNodes(n.body, `${indent}  `);
      lines.push(`${indent}  return ${n.body.outputs.map((o) => ref(o.value)).join(', ')}`);
      lines.push(`${indent}}`);
    }
  };
  lines.push(`graph ${g.name}(${params(g)}) {`);
  printNodes(g, '  ');
  lines.push(`  return ${g.outputs.map((o) => `${o.name} = ${ref(o.value)}`).join(', ')}`);
  lines.push('}');
  return lines.join('\n') + '\n';
}
