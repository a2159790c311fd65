// The views of a compile: which kernels compute each node, the DOT and HTML drawings, and the layout behind the HTML.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseGraph, printGraph, type Graph } from '../../src/ir/index.js';
import * as ops from '../../src/ops/index.js';
import { compileStages } from '../../src/compiler/compile.js';
import { programStats } from '../../src/compiler/stats.js';
import { kernelMembership } from '../../src/compiler/view/membership.js';
import { graphView } from '../../src/compiler/view/view-model.js';
import { graphToDot } from '../../src/compiler/view/dot.js';
import { graphToHtml } from '../../src/compiler/view/html.js';
import { layoutGraph } from '../../src/compiler/view/layout.js';
import { colourDistance, kernelColours } from '../../src/compiler/view/kernel-colours.js';

/** rms_norm, a matmul with a bias + residual epilogue, and a softmax; `scaled` is recomputed in two kernels. */
const normMatmulSoftmax = (): Graph =>
  ops.trace('view', { x: { dtype: 'f32', shape: [4, 16] } }, ({ x }, t) => {
    const h = ops.rmsNorm(x!, t.weight('norm', 'f32', [16]), 1e-6);
    const y = ops.add(ops.add(ops.linear(h, t.weight('w', 'f32', [16, 16])), t.weight('b', 'f32', [16])), x!);
    const scaled = ops.mul(y, 0.5);
    return { y: ops.softmax(scaled), z: ops.sum(scaled, [1]) };
  });

/** `blocks` pre-norm MLP blocks with softmax heads in a row: a graph of a few hundred nodes. */
const deepGraph = (blocks: number): Graph =>
  ops.trace('deep', { x: { dtype: 'f32', shape: [4, 16] } }, ({ x }, t) => {
    let y = x!;
    const heads: Record<string, ops.Tensor> = {};
    for (let i = 0; i < blocks; i++) {
      const h = ops.rmsNorm(y, t.weight(`norm${i}`, 'f32', [16]), 1e-6);
      y = ops.add(y, ops.linear(ops.swiglu(ops.linear(h, t.weight(`w1_${i}`, 'f32', [32, 16])), ops.linear(h, t.weight(`w3_${i}`, 'f32', [32, 16]))), t.weight(`w2_${i}`, 'f32', [16, 32])));
      heads[`p${i}`] = ops.softmax(y);
    }
    return { y, ...heads };
  });

describe('kernel membership', () => {
  it('puts every node in the kernels computing it, and only weights and literals in none', () => {
    const stages = compileStages(normMatmulSoftmax());
    const { kernelsOf, nodesOf } = kernelMembership(stages);
    for (const n of stages.graph.nodes) {
      const ks = kernelsOf.get(n)!;
      if (n.op === 'weight' || n.op === 'literal') expect(ks, n.op).toEqual([]);
      else expect(ks.length, `${n.op} from ${n.origin}`).toBeGreaterThan(0);
      for (const k of ks) expect(nodesOf[k]).toContain(n);
    }
    expect(nodesOf).toHaveLength(stages.program.kernels.length);
    stages.fused.kernels.forEach((k, i) => {
      expect(nodesOf[i]!.length).toBeGreaterThan(0);
      for (const v of stages.fused.rootsOf.get(k)!) expect(nodesOf[i]).toContain(v.node);
    });
  });

  it('gives an inline value read by several kernels to each of them', () => {
    const { kernelsOf } = kernelMembership(compileStages(normMatmulSoftmax()));
    const shared = [...kernelsOf].filter(([n, ks]) => n.op === 'mul' && !n.origin && ks.length > 1);
    expect(shared).toHaveLength(1);
  });
});

describe('graphToDot', () => {
  const dot = graphToDot(compileStages(normMatmulSoftmax()));

  it('is the same text for every compile of the same graph', () => {
    expect(graphToDot(compileStages(normMatmulSoftmax()))).toBe(dot);
    expect(graphToDot(compileStages(parseGraph(printGraph(normMatmulSoftmax()))))).toBe(dot);
  });

  it('draws composite regions as labelled clusters', () => {
    expect(dot).toMatch(/subgraph cluster_\d+ \{\n\s+label="rms_norm";/);
    expect(dot).toMatch(/subgraph cluster_\d+ \{\n\s+label="softmax";/);
  });

  it('fills nodes with one colour per kernel and stripes the ones several kernels recompute', () => {
    const stages = compileStages(normMatmulSoftmax());
    const single = [...dot.matchAll(/^\s+n\d+ \[.*fillcolor="(#[0-9a-f]{6})"\];$/gm)].map((m) => m[1]).filter((c) => c !== '#ffffff');
    const colours = new Set(single);
    expect(colours.size).toBe(stages.program.kernels.length);
    for (const k of stages.program.kernels) expect(dot).toContain(`>${k.name}</td>`);
    expect(dot).toMatch(/style="striped", fillcolor="#[0-9a-f]{6}:#[0-9a-f]{6}"/);
  });

  it('labels nodes with op and type, and marks the graph inputs and outputs', () => {
    expect(dot).toMatch(/label="%\d+ = reduce_sum\\nf32\[4,1\]"/);
    expect(dot).toMatch(/i0 \[label="x\\nf32\[4,16\]".*shape="invhouse"/);
    expect(dot).toMatch(/o0 \[label="y\\nf32\[4,16\]".*shape="house"/);
    expect(dot).toMatch(/-> o1 \[penwidth=2\];/);
  });

  it('names values as the printed graph does', () => {
    const stages = compileStages(normMatmulSoftmax());
    const printed = printGraph(stages.graph);
    for (const n of graphView(stages).nodes.filter((v) => v.kind === 'op' && !v.label.startsWith('weight'))) {
      const [name, op] = n.label.split(' = ');
      expect(printed).toContain(`${name} = ${op}(`);
    }
  });
});

describe('graphToHtml', () => {
  it('is one self-contained page with the graph and the kernel table', () => {
    const stages = compileStages(normMatmulSoftmax());
    const html = graphToHtml(stages, programStats(stages.program));
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html).not.toMatch(/https?:|@import|<link/i);
    expect(html).toContain('<svg');
    expect(html.match(/<tr data-kernel="\d+" data-name="k\d+_\w+">/g)).toHaveLength(stages.program.kernels.length);
    expect(html.match(/<g class="node[ "]/g)).toHaveLength(graphView(stages).nodes.length);
    expect(html).toMatch(/<g class="region"><title>rms_norm<\/title>/);
    expect(html.match(/<script>/g)).toHaveLength(1);
  });

  it('draws into a view box the page fits to its pane, under a toolbar to search, fit and zoom', () => {
    const stages = compileStages(normMatmulSoftmax());
    const html = graphToHtml(stages, programStats(stages.program));
    const layout = layoutGraph(graphView(stages));
    const [w, h] = [layout.width, layout.height].map((x) => Math.round(x * 10) / 10);
    expect(html).toContain(`<svg id="drawing" data-width="${w}" data-height="${h}" viewBox="0 0 ${w} ${h}" preserveAspectRatio="xMidYMid meet">`);
    expect(html).not.toMatch(/<svg[^>]* (width|height)=/);
    for (const id of ['search', 'status', 'zoom', 'fit', 'zoom-in', 'zoom-out', 'graph', 'kernels']) expect(html).toContain(`id="${id}"`);
    // Every node carries the label search looks in: its op, or the input, output or weight name.
    const labels = [...html.matchAll(/<g class="node[^"]*" data-kernels="[\d ]*" data-label="([^"]*)">/g)].map((m) => m[1]);
    expect(labels).toHaveLength(graphView(stages).nodes.length);
    expect(labels).toEqual(expect.arrayContaining(['x', 'weight norm', expect.stringMatching(/^%\d+ = reduce_sum$/)]));
  });

  it('lays out a few hundred nodes quickly without overlaps, regions around their nodes', () => {
    const stages = compileStages(deepGraph(8));
    const view = graphView(stages);
    expect(view.nodes.length).toBeGreaterThan(250);
    const start = performance.now();
    const layout = layoutGraph(view);
    graphToHtml(stages, programStats(stages.program));
    expect(performance.now() - start).toBeLessThan(5000);
    const boxes = [...layout.nodes.values()];
    for (const a of boxes)
      for (const b of boxes)
        if (a !== b && a.y === b.y) expect(a.x + a.width <= b.x || b.x + b.width <= a.x, 'nodes overlap').toBe(true);
    for (const n of view.nodes) {
      const b = layout.nodes.get(n.id)!;
      for (let r = n.region; r; r = r.parent) {
        const box = layout.regions.get(r.id)!;
        expect(b.x >= box.x && b.x + b.width <= box.x + box.width && b.y >= box.y && b.y + b.height <= box.y + box.height).toBe(true);
      }
    }
  });
});

describe('kernel colours', () => {
  it('give every kernel its own colour, and kernels that meet or run one after the other colours far apart', () => {
    const stages = compileStages(deepGraph(8));
    const view = graphView(stages);
    const colours = view.kernels.map((k) => k.colour);
    expect(colours.length).toBeGreaterThanOrEqual(40);
    expect(new Set(colours).size).toBe(colours.length);
    const byId = new Map(view.nodes.map((n) => [n.id, n]));
    // Kernels meet where one reads what another wrote to a buffer.
    const meeting = view.edges.filter((e) => e.stored).flatMap((e) => byId.get(e.from)!.kernels.flatMap((a) => byId.get(e.to)!.kernels.filter((b) => b !== a).map((b) => [a, b] as const)));
    expect(meeting.length).toBeGreaterThan(40);
    for (const [a, b] of [...meeting, ...colours.slice(1).map((_, i) => [i, i + 1] as const)])
      expect(colourDistance(colours[a]!, colours[b]!), `kernels ${a} and ${b}`).toBeGreaterThanOrEqual(0.1);
  });

  it('spread reused colours over the palette once it is spent, never beside each other', () => {
    const chain = new Map(Array.from({ length: 400 }, (_, k) => [k, new Set([k - 1, k + 1].filter((j) => j >= 0 && j < 400))]));
    const colours = kernelColours(400, chain);
    const counts = [...colours.reduce((m, c) => m.set(c, (m.get(c) ?? 0) + 1), new Map<string, number>()).values()];
    const palette = new Set(kernelColours(1000, new Map())).size;
    expect(counts).toHaveLength(palette);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2 * Math.ceil(400 / palette));
    colours.slice(1).forEach((c, i) => expect(colourDistance(colours[i]!, c)).toBeGreaterThanOrEqual(0.1));
  });
});

describe('spec/examples/block.graph', () => {
  it('parses, prints back identically and compiles', () => {
    const text = readFileSync('spec/examples/block.graph', 'utf8');
    const g = parseGraph(text);
    expect(printGraph(g)).toBe(text);
    expect(compileStages(g).program.kernels.length).toBeGreaterThan(0);
  });
});
