// A layered layout of a graph view, for html.ts. A node's layer is its longest-path depth from the inputs; what
// does not depend on the inputs (weights, constants) sits just above its first reader. Within a layer, nodes are
// ordered by the barycentre of their neighbours, each composite region's nodes kept together and regions before
// loose nodes; x positions follow the predecessors, pushed right past overlapping nodes and region boxes.

import { isRegion, type GraphView, type Region, type ViewNode } from './view-model.js';

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Layout {
  /** Each node's box (top-left corner and size), by node id. */
  readonly nodes: ReadonlyMap<string, Box>;
  /** Each region's box around its nodes and nested regions (padding included), by region id. */
  readonly regions: ReadonlyMap<number, Box>;
  readonly width: number;
  readonly height: number;
}

export const NODE_HEIGHT = 34;
const LAYER_GAP = 46;
const NODE_GAP = 16;
/** Extra horizontal room per region boundary between neighbours, so region boxes do not touch. */
const REGION_GAP = 12;
const REGION_PAD = 5;
const REGION_LABEL = 10;
const MARGIN = 24;
const SWEEPS = 4;
const CHAR_WIDTH = 6.6;

const nodeWidth = (n: ViewNode) => Math.ceil(Math.max(n.label.length, n.type.length) * CHAR_WIDTH) + 16;

/** The regions enclosing `n`, outermost first. */
function regionChain(n: ViewNode): Region[] {
  const chain: Region[] = [];
  for (let r = n.region; r; r = r.parent) chain.unshift(r);
  return chain;
}

function assignLayers(view: GraphView, preds: Map<string, string[]>, succs: Map<string, string[]>): Map<string, number> {
  const layer = new Map<string, number>();
  const constant = new Set<string>();
  for (const n of view.nodes) {
    const ps = preds.get(n.id)!;
    layer.set(n.id, Math.max(-1, ...ps.map((p) => layer.get(p)!)) + 1);
    if (ps.every((p) => constant.has(p))) constant.add(n.id);
  }
  // Inputs and what does not depend on them (weights and what is computed from them) sit just above their readers.
  for (const n of [...view.nodes].reverse()) {
    const readers = succs.get(n.id)!;
    if (constant.has(n.id) && readers.length) layer.set(n.id, Math.min(...readers.map((s) => layer.get(s)!)) - 1);
  }
  return layer;
}

/** Sorts one layer by barycentre (`key`), grouping nodes of the same region instance at every nesting level. */
function sortLayer(row: ViewNode[], key: Map<string, number>): ViewNode[] {
  const chains = new Map(row.map((n) => [n.id, regionChain(n)]));
  const position = new Map(row.map((n, i) => [n.id, i]));
  const regionKey = new Map<Region, { sum: number; count: number; first: number }>();
  for (const n of row)
    for (const r of chains.get(n.id)!) {
      const k = regionKey.get(r) ?? { sum: 0, count: 0, first: position.get(n.id)! };
      regionKey.set(r, { sum: k.sum + key.get(n.id)!, count: k.count + 1, first: Math.min(k.first, position.get(n.id)!) });
    }
  const itemKey = (item: ViewNode | Region): [number, number] => {
    if (!isRegion(item)) return [key.get(item.id)!, position.get(item.id)!];
    const k = regionKey.get(item)!;
    return [k.sum / k.count, k.first];
  };
  return [...row].sort((a, b) => {
    const ca = chains.get(a.id)!;
    const cb = chains.get(b.id)!;
    for (let level = 0; ; level++) {
      const ia: ViewNode | Region = ca[level] ?? a;
      const ib: ViewNode | Region = cb[level] ?? b;
      if (ia === ib) continue;
      // Regions come before loose nodes, so that loose nodes can keep to the right of region boxes.
      if (isRegion(ia) !== isRegion(ib)) return isRegion(ia) ? -1 : 1;
      const [ka, fa] = itemKey(ia);
      const [kb, fb] = itemKey(ib);
      return ka - kb || fa - fb;
    }
  });
}

function orderLayers(rows: ViewNode[][], preds: Map<string, string[]>, succs: Map<string, string[]>): void {
  const index = new Map<string, number>();
  const reindex = (row: ViewNode[]) => row.forEach((n, i) => index.set(n.id, i));
  rows.forEach(reindex);
  const sweep = (order: number[], neighbours: Map<string, string[]>) => {
    for (const l of order) {
      const key = new Map<string, number>();
      for (const n of rows[l]!) {
        const ns = neighbours.get(n.id)!;
        key.set(n.id, ns.length ? ns.reduce((s, m) => s + index.get(m)!, 0) / ns.length : index.get(n.id)!);
      }
      rows[l] = sortLayer(rows[l]!, key);
      reindex(rows[l]!);
    }
  };
  const down = rows.map((_, l) => l);
  for (let s = 0; s < SWEEPS; s++) {
    sweep(down.slice(1), preds);
    sweep(down.slice(0, -1).reverse(), succs);
  }
  sweep(down.slice(1), preds);
}

/** How many region boxes lie between two neighbours in a layer. */
function boundaries(ca: readonly Region[], cb: readonly Region[]): number {
  let common = 0;
  while (common < ca.length && ca[common] === cb[common]) common++;
  return ca.length - common + (cb.length - common);
}

/**
 * Positions along a row, in order, as close as possible (least squares) to `wanted` (undefined: no preference),
 * each at least `lower`, neighbours `gaps[i]` apart (between i-1 and i): adjacent violators are pooled into blocks.
 */
function solveRow(widths: readonly number[], gaps: readonly number[], wanted: readonly (number | undefined)[], lower: readonly number[]): number[] {
  interface Block { first: number; width: number; sum: number; count: number; lower: number; x: number }
  const place = (b: Block) => (b.x = b.count ? Math.max(b.sum / b.count, b.lower) : b.lower);
  const blocks: Block[] = [];
  widths.forEach((width, i) => {
    const w = wanted[i];
    let cur: Block = { first: i, width, sum: w ?? 0, count: w === undefined ? 0 : 1, lower: lower[i]!, x: 0 };
    place(cur);
    for (let prev = blocks.at(-1); prev && prev.x + prev.width + gaps[cur.first]! > cur.x; prev = blocks.at(-1)) {
      const shift = prev.width + gaps[cur.first]!;
      blocks.pop();
      cur = { first: prev.first, width: shift + cur.width, sum: prev.sum + cur.sum - cur.count * shift, count: prev.count + cur.count, lower: Math.max(prev.lower, cur.lower - shift), x: 0 };
      place(cur);
    }
    blocks.push(cur);
  });
  const xs: number[] = [];
  blocks.forEach((b, k) => {
    const end = blocks[k + 1]?.first ?? widths.length;
    for (let i = b.first, x = b.x; i < end; i++) {
      if (i > b.first) x += widths[i - 1]! + gaps[i]!;
      xs.push(x);
    }
  });
  return xs;
}

/**
 * x positions, row by row from the top: each row as close as possible to its predecessors' centres, neighbours
 * apart, and right of any region box beside a node that it is not in (as far as that box has grown). Then, from
 * the bottom, rows with nodes that have no predecessors are placed again with those nodes above their readers.
 */
function placeNodes(rows: readonly ViewNode[][], preds: Map<string, string[]>, succs: Map<string, string[]>, top: number): Map<string, Box> {
  const chains = new Map(rows.flat().map((n) => [n.id, regionChain(n)]));
  const span = new Map<Region, { first: number; last: number; nesting: number }>();
  rows.forEach((row, l) =>
    row.forEach((n) =>
      chains.get(n.id)!.forEach((r, d, chain) => {
        const s = span.get(r);
        span.set(r, { first: s?.first ?? l, last: l, nesting: Math.max(s?.nesting ?? 0, chain.length - d) });
      }),
    ),
  );
  const active: Region[][] = rows.map(() => []);
  for (const [r, s] of span) for (let l = s.first; l <= s.last; l++) active[l]!.push(r);
  const extent = new Map<Region, { left: number; right: number }>();
  const nodes = new Map<string, Box>();
  const centre = (id: string) => nodes.get(id)!.x + nodes.get(id)!.width / 2;
  const meanCentre = (ids: readonly string[]) => (ids.length ? ids.reduce((s, p) => s + centre(p), 0) / ids.length : undefined);
  const lowers = new Map<string, number>();

  const solve = (row: readonly ViewNode[], l: number, toward: (n: ViewNode) => number | undefined) => {
    const widths = row.map(nodeWidth);
    const gaps = row.map((n, i) => (i ? NODE_GAP + REGION_GAP * boundaries(chains.get(row[i - 1]!.id)!, chains.get(n.id)!) : 0));
    const wanted = row.map((n, i) => {
      const c = toward(n);
      return c === undefined ? undefined : c - widths[i]! / 2;
    });
    const xs = solveRow(widths, gaps, wanted, row.map((n) => lowers.get(n.id)!));
    row.forEach((n, i) => nodes.set(n.id, { x: xs[i]!, y: top + l * (NODE_HEIGHT + LAYER_GAP), width: widths[i]!, height: NODE_HEIGHT }));
  };

  rows.forEach((row, l) => {
    // A region's box is to the left of a node when none of its nodes in this row comes after it.
    const after = new Set<Region>();
    for (const n of [...row].reverse()) {
      const chain = chains.get(n.id)!;
      let lower = MARGIN + REGION_PAD * chain.length;
      for (const r of active[l]!) {
        const e = extent.get(r);
        if (e && !after.has(r) && !chain.includes(r)) lower = Math.max(lower, e.right + REGION_PAD * span.get(r)!.nesting + NODE_GAP);
      }
      lowers.set(n.id, lower);
      chain.forEach((r) => after.add(r));
    }
    // Sources have no place yet (the bottom-up pass gives them one), so only the other predecessors pull.
    solve(row, l, (n) => meanCentre(preds.get(n.id)!.filter((p) => preds.get(p)!.length)));
    for (const n of row) {
      const b = nodes.get(n.id)!;
      for (const r of chains.get(n.id)!) {
        const e = extent.get(r);
        extent.set(r, { left: Math.min(e?.left ?? b.x, b.x), right: Math.max(e?.right ?? b.x + b.width, b.x + b.width) });
      }
    }
  });
  for (let l = rows.length - 1; l >= 0; l--) {
    const row = rows[l]!;
    if (row.some((n) => !preds.get(n.id)!.length && succs.get(n.id)!.length))
      solve(row, l, (n) => meanCentre(preds.get(n.id)!.length ? preds.get(n.id)! : succs.get(n.id)!));
  }
  return nodes;
}

function regionBoxes(view: GraphView, nodes: Map<string, Box>): Map<number, Box> {
  const boxes = new Map<number, Box>();
  const boxOf = (r: Region): Box | undefined => {
    const inner = r.items.map((item) => (isRegion(item) ? boxOf(item) : nodes.get(item.id)));
    const present = inner.filter((b): b is Box => b !== undefined);
    if (!present.length) return undefined;
    const x0 = Math.min(...present.map((b) => b.x)) - REGION_PAD;
    const y0 = Math.min(...present.map((b) => b.y)) - REGION_PAD - REGION_LABEL;
    const x1 = Math.max(...present.map((b) => b.x + b.width)) + REGION_PAD;
    const y1 = Math.max(...present.map((b) => b.y + b.height)) + REGION_PAD;
    const box = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
    boxes.set(r.id, box);
    return box;
  };
  for (const item of view.items) if (isRegion(item)) boxOf(item);
  return boxes;
}

export function layoutGraph(view: GraphView): Layout {
  const preds = new Map<string, string[]>(view.nodes.map((n) => [n.id, []]));
  const succs = new Map<string, string[]>(view.nodes.map((n) => [n.id, []]));
  for (const e of view.edges) {
    preds.get(e.to)!.push(e.from);
    succs.get(e.from)!.push(e.to);
  }
  const layer = assignLayers(view, preds, succs);
  const rows: ViewNode[][] = [];
  for (const n of view.nodes) (rows[layer.get(n.id)!] ??= []).push(n);
  const dense = rows.filter((row) => row !== undefined);
  orderLayers(dense, preds, succs);
  // Room for the boxes of the most deeply nested regions above and left of their nodes.
  const depth = Math.max(0, ...view.nodes.map((n) => regionChain(n).length));
  const nodes = placeNodes(dense, preds, succs, MARGIN + depth * (REGION_PAD + REGION_LABEL));
  const regions = regionBoxes(view, nodes);
  const all = [...nodes.values(), ...regions.values()];
  return {
    nodes,
    regions,
    width: Math.max(0, ...all.map((b) => b.x + b.width)) + MARGIN,
    height: Math.max(0, ...all.map((b) => b.y + b.height)) + MARGIN,
  };
}
