// The compiled graph as Graphviz DOT (`dsv3 compile --dot`): composite regions as clusters, nodes filled with
// the colour of the kernel computing them (striped when several kernels recompute them), bold edges where a
// value goes through a buffer, and a legend of kernels. `dot -Tsvg` keeps the details as tooltips.

import type { CompileStages } from '../compile.js';
import { graphView, isRegion, type Region, type ViewKernel, type ViewNode } from './view-model.js';

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
const htmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const SOURCE_FILL = '#ffffff';
const IO_FILL = '#e8e8e8';

function nodeLine(n: ViewNode, kernels: readonly ViewKernel[], indent: string): string {
  const attrs: [string, string][] = [
    ['label', `${n.label}\n${n.type}`],
    ['tooltip', n.details],
  ];
  if (n.kind === 'input') attrs.push(['shape', 'invhouse'], ['fillcolor', IO_FILL]);
  else if (n.kind === 'output') attrs.push(['shape', 'house'], ['fillcolor', IO_FILL]);
  else if (n.kernels.length > 1) attrs.push(['style', 'striped'], ['fillcolor', n.kernels.map((k) => kernels[k]!.colour).join(':')]);
  else attrs.push(['fillcolor', n.kernels.length ? kernels[n.kernels[0]!]!.colour : SOURCE_FILL]);
  return `${indent}${n.id} [${attrs.map(([k, v]) => `${k}=${quote(v)}`).join(', ')}];`;
}

function regionLines(r: Region, kernels: readonly ViewKernel[], indent: string): string[] {
  const inner = `${indent}  `;
  return [
    `${indent}subgraph cluster_${r.id} {`,
    `${inner}label=${quote(r.name)}; tooltip=${quote(r.path)}; style="rounded,dashed"; color="#888888";`,
    ...r.items.flatMap((item) => (isRegion(item) ? regionLines(item, kernels, inner) : [nodeLine(item, kernels, inner)])),
    `${indent}}`,
  ];
}

function legend(kernels: readonly ViewKernel[]): string[] {
  if (!kernels.length) return [];
  const rows = kernels.map((k, i) => `<tr><td bgcolor="${k.colour}">${i}</td><td align="left">${htmlText(k.name)}</td></tr>`);
  return [`  legend [shape=plaintext, label=<<table border="0" cellborder="1" cellspacing="0"><tr><td colspan="2"><b>kernels</b></td></tr>${rows.join('')}</table>>];`];
}

export function graphToDot(stages: CompileStages): string {
  const view = graphView(stages);
  const lines = [
    `digraph ${quote(view.name)} {`,
    '  graph [rankdir=TB, fontname="Helvetica", fontsize=10];',
    `  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, fillcolor="${SOURCE_FILL}"];`,
    '  edge [color="#555555", arrowsize=0.6];',
    ...view.items.flatMap((item) => (isRegion(item) ? regionLines(item, view.kernels, '  ') : [nodeLine(item, view.kernels, '  ')])),
    ...view.edges.map((e) => `  ${e.from} -> ${e.to}${e.stored ? ' [penwidth=2]' : ''};`),
    ...legend(view.kernels),
    '}',
  ];
  return lines.join('\n') + '\n';
}
