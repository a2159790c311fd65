// The compiled graph as one self-contained HTML page (`dsv3 compile --html`): an SVG of the graph laid out by
// layout.ts — composite regions as labelled boxes behind their nodes, nodes coloured by kernel (kernel-colours.ts;
// striped when several kernels recompute them), bold edges through buffers — under a toolbar (search, fit, zoom)
// and beside a table of kernels. Hovering a node shows its details; hovering a kernel row highlights its nodes,
// clicking pins the highlight and brings them into view. What the page does is page-script.ts.

import type { ProgramStats } from '../stats.js';
import type { CompileStages } from '../compile.js';
import { layoutGraph, NODE_HEIGHT } from './layout.js';
import { PAGE_SCRIPT, PAGE_STYLE } from './page-script.js';
import { graphView, type GraphView, type ViewKernel, type ViewNode } from './view-model.js';

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (x: number) => Math.round(x * 10) / 10;

/** A hard-stopped gradient per set of kernels recomputing one node, so the node shows every kernel's colour. */
function stripes(nodes: readonly ViewNode[], kernels: readonly ViewKernel[]): { defs: string[]; fillOf: Map<string, string> } {
  const fillOf = new Map<string, string>();
  const defs: string[] = [];
  for (const n of nodes) {
    if (n.kernels.length < 2) continue;
    const key = n.kernels.join(' ');
    if (fillOf.has(key)) continue;
    const id = `stripes-${n.kernels.join('-')}`;
    const stops = n.kernels.flatMap((k, i) => {
      const colour = kernels[k]!.colour;
      const [from, to] = [(100 * i) / n.kernels.length, (100 * (i + 1)) / n.kernels.length];
      return [`<stop offset="${num(from)}%" stop-color="${colour}"/>`, `<stop offset="${num(to)}%" stop-color="${colour}"/>`];
    });
    defs.push(`<linearGradient id="${id}">${stops.join('')}</linearGradient>`);
    fillOf.set(key, `url(#${id})`);
  }
  return { defs, fillOf };
}

function svgOf(view: GraphView): string {
  const layout = layoutGraph(view);
  const { defs, fillOf } = stripes(view.nodes, view.kernels);
  const fill = (n: ViewNode) => (n.kernels.length > 1 ? fillOf.get(n.kernels.join(' '))! : n.kernels.length ? view.kernels[n.kernels[0]!]!.colour : '#ffffff');
  // Outer regions first, so that inner boxes and their labels are drawn over them.
  const regions = view.regions.map((r) => {
    const b = layout.regions.get(r.id)!;
    return `<g class="region"><title>${escape(r.path)}</title><rect x="${num(b.x)}" y="${num(b.y)}" width="${num(b.width)}" height="${num(b.height)}" rx="6"/><text x="${num(b.x + 5)}" y="${num(b.y + 11)}">${escape(r.name)}</text></g>`;
  });
  const edges = view.edges.map((e) => {
    const a = layout.nodes.get(e.from)!;
    const b = layout.nodes.get(e.to)!;
    const [x1, y1, x2, y2] = [a.x + a.width / 2, a.y + a.height, b.x + b.width / 2, b.y];
    const mid = (y1 + y2) / 2;
    return `<path class="edge${e.stored ? ' stored' : ''}" d="M${num(x1)},${num(y1)} C${num(x1)},${num(mid)} ${num(x2)},${num(mid)} ${num(x2)},${num(y2 - 2)}" marker-end="url(#arrow)"/>`;
  });
  const nodes = view.nodes.map((n) => {
    const b = layout.nodes.get(n.id)!;
    const cx = num(b.x + b.width / 2);
    const io = n.kind !== 'op';
    return [
      `<g class="node${io ? ' io' : ''}" data-kernels="${n.kernels.join(' ')}" data-label="${escape(n.label)}"><title>${escape(n.details)}</title>`,
      `<rect x="${num(b.x)}" y="${num(b.y)}" width="${num(b.width)}" height="${NODE_HEIGHT}" rx="${io ? 12 : 4}"${io ? '' : ` fill="${fill(n)}"`}/>`,
      `<text x="${cx}" y="${num(b.y + 14)}">${escape(n.label)}</text><text x="${cx}" y="${num(b.y + 27)}">${escape(n.type)}</text></g>`,
    ].join('');
  });
  return [
    `<svg id="drawing" data-width="${num(layout.width)}" data-height="${num(layout.height)}" viewBox="0 0 ${num(layout.width)} ${num(layout.height)}" preserveAspectRatio="xMidYMid meet">`,
    '<defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerUnits="userSpaceOnUse" markerWidth="8" markerHeight="8" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker>',
    ...defs,
    '</defs>',
    '<g class="regions">',
    ...regions,
    '</g><g class="edges">',
    ...edges,
    '</g><g class="nodes">',
    ...nodes,
    '</g></svg>',
  ].join('\n');
}

const figures = (s: { bytesRead: number; bytesWritten: number; flops: number }) =>
  [s.bytesRead, s.bytesWritten, s.flops].map((x) => `<td class="n">${x.toLocaleString('en-US')}</td>`).join('');

function kernelTable(view: GraphView, stats: ProgramStats): string {
  const rows = stats.perKernel.map(
    (k, i) =>
      `<tr data-kernel="${i}" data-name="${escape(k.name)}"><td><span class="swatch" style="background:${view.kernels[i]!.colour}"></span></td><td>${i}</td><td>${escape(k.name)}</td><td>${escape(k.kind)}</td><td>${escape(k.origin)}</td>${figures(k)}</tr>`,
  );
  return [
    `<h2>${escape(view.name)}: ${stats.kernels} kernels, ${stats.dispatches} dispatches</h2>`,
    '<table><thead><tr><th></th><th>#</th><th>kernel</th><th>kind</th><th>origin</th><th>bytes read</th><th>written</th><th>flops</th></tr></thead><tbody>',
    ...rows,
    `</tbody><tfoot><tr><td></td><td></td><td>total</td><td></td><td></td>${figures(stats)}</tr></tfoot></table>`,
    '<p>Hover a kernel to highlight its nodes; click a kernel to pin the highlight and bring its nodes into view, or a node to pin its kernel. Hover a node for its details. Bold edges carry values through buffers.</p>',
    '<p>The wheel zooms about the pointer and dragging pans; keys: / search, f fit, + and - zoom. Search matches ops, value and weight names, and kernel names; Enter shows the next match, Escape clears.</p>',
  ].join('\n');
}

/** The page for a compile and its figures (`programStats(stages.program)`). */
export function graphToHtml(stages: CompileStages, stats: ProgramStats): string {
  const view = graphView(stages);
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escape(view.name)} — dsv3 compile</title>`,
    `<style>${PAGE_STYLE}</style></head><body>`,
    '<div id="left"><div id="toolbar">',
    '<input id="search" type="search" placeholder="search ops, names or kernels (/)" aria-label="search ops, names or kernels">',
    '<span id="status"></span><span id="zoom"></span>',
    '<button id="fit" title="fit the drawing to the window (f)">fit</button><button id="zoom-in" title="zoom in (+)">+</button><button id="zoom-out" title="zoom out (-)">&minus;</button>',
    `</div><div id="graph">${svgOf(view)}</div></div>`,
    `<div id="kernels">${kernelTable(view, stats)}</div>`,
    `<script>${PAGE_SCRIPT}</script>`,
    '</body></html>',
  ].join('\n') + '\n';
}
