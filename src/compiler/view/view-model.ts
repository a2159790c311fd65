// What the graph views (dot.ts, html.ts) draw: the compiled graph's inputs, nodes and outputs with their labels,
// the kernels computing each, the composite regions they came from, and the edges between them.

import { formatAttrValue, formatType, type Graph, type Node, type Value } from '../../ir/index.js';
import type { CompileStages } from '../compile.js';
import { kernelColours } from './kernel-colours.js';
import { kernelMembership } from './membership.js';

export interface ViewNode {
  /** A stable identifier: `i<k>` for graph inputs, `n<k>` for nodes, `o<k>` for graph outputs. */
  readonly id: string;
  readonly kind: 'input' | 'op' | 'output';
  /** First line: `%3 = exp`, `weight w1`, or the input/output name. */
  readonly label: string;
  /** Second line: the result type(s). */
  readonly type: string;
  /** Everything known about the node, one fact a line (tooltips). */
  readonly details: string;
  /** Indices of the kernels computing the node, ascending; empty for inputs, outputs, weights and literals. */
  readonly kernels: readonly number[];
  /** The innermost composite region the node came from. */
  readonly region?: Region;
}

export interface ViewEdge {
  readonly from: string;
  readonly to: string;
  /** The value travels through a buffer (a kernel boundary or a graph input/weight) rather than a register. */
  readonly stored: boolean;
}

/** One inlined composite instance: a maximal run of consecutive nodes whose origin starts with its path. */
export interface Region {
  /** Unique among the view's regions, numbered in order of appearance. */
  readonly id: number;
  /** The composite's name, e.g. `silu`. */
  readonly name: string;
  /** The full origin path, e.g. `swiglu/silu`. */
  readonly path: string;
  readonly depth: number;
  readonly parent?: Region;
  /** Nodes and nested regions, in graph order. */
  readonly items: (ViewNode | Region)[];
}

export interface ViewKernel {
  readonly name: string;
  readonly colour: string;
}

export interface GraphView {
  readonly name: string;
  /** Inputs, then nodes in graph order, then outputs. */
  readonly nodes: readonly ViewNode[];
  readonly edges: readonly ViewEdge[];
  /** Top-level nodes and regions, in graph order (inputs and outputs are never in a region). */
  readonly items: readonly (ViewNode | Region)[];
  /** Every region, indexed by id. */
  readonly regions: readonly Region[];
  readonly kernels: readonly ViewKernel[];
}

export const isRegion = (item: ViewNode | Region): item is Region => 'items' in item;

/**
 * The kernels each kernel meets in the drawing: those whose values it reads through a buffer, and those reading its
 * values. (Kernels recomputing one node are left out: a node on a residual stream is in so many that they could not
 * all be told apart.)
 */
function kernelMeetings(nodes: readonly ViewNode[], edges: readonly ViewEdge[]): Map<number, Set<number>> {
  const meets = new Map<number, Set<number>>();
  const link = (a: readonly number[], b: readonly number[]) => {
    for (const i of a)
      for (const j of b) {
        if (i === j) continue;
        (meets.get(i) ?? meets.set(i, new Set()).get(i)!).add(j);
        (meets.get(j) ?? meets.set(j, new Set()).get(j)!).add(i);
      }
  };
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const e of edges) if (e.stored) link(byId.get(e.from)!.kernels, byId.get(e.to)!.kernels);
  return meets;
}

/** Value names as printGraph numbers them (results across nested bodies, inputs by name). */
function printedNames(g: Graph): Map<Value, string> {
  const names = new Map<Value, string>();
  for (const v of g.inputs) names.set(v, `%${v.def.kind === 'input' ? v.def.name : v.id}`);
  let counter = 0;
  const number = (body: Graph) => {
    for (const n of body.nodes) {
      for (const v of n.outputs) names.set(v, `%${counter++}`);
      if (n.body) number(n.body);
    }
  };
  number(g);
  return names;
}

const attrsText = (n: Node) =>
  Object.keys(n.attrs)
    .sort()
    .map((k) => `${k}=${formatAttrValue(n.attrs[k]!)}`)
    .join(', ');

export function graphView(stages: CompileStages): GraphView {
  const { graph, fused, program } = stages;
  const { kernelsOf } = kernelMembership(stages);
  const names = printedNames(graph);
  const kernelName = (i: number) => program.kernels[i]!.name;
  const idOf = new Map<Value, string>();
  const nodes: ViewNode[] = [];
  const edges: ViewEdge[] = [];
  const items: (ViewNode | Region)[] = [];

  graph.inputs.forEach((v, i) => {
    const id = `i${i}`;
    idOf.set(v, id);
    const name = v.def.kind === 'input' ? v.def.name : '';
    const node: ViewNode = { id, kind: 'input', label: name, type: formatType(v.type), details: `input ${name}\ntype: ${formatType(v.type)}`, kernels: [] };
    nodes.push(node);
    items.push(node);
  });

  // Regions open and close as the origin path of consecutive nodes changes.
  const regions: Region[] = [];
  let open: Region[] = [];
  const regionsFor = (origin: string | undefined): Region | undefined => {
    const parts = origin ? origin.split('/') : [];
    let keep = 0;
    while (keep < open.length && keep < parts.length && open[keep]!.name === parts[keep]) keep++;
    open = open.slice(0, keep);
    for (let d = keep; d < parts.length; d++) {
      const parent = open[d - 1];
      const region: Region = { id: regions.length, name: parts[d]!, path: parts.slice(0, d + 1).join('/'), depth: d, ...(parent ? { parent } : {}), items: [] };
      (parent ? parent.items : items).push(region);
      regions.push(region);
      open.push(region);
    }
    return open[open.length - 1];
  };

  graph.nodes.forEach((n, i) => {
    const id = `n${i}`;
    n.outputs.forEach((v) => idOf.set(v, id));
    const kernels = kernelsOf.get(n)!;
    const results = n.outputs.map((v) => names.get(v)!).join(', ');
    const label = n.op === 'weight' ? `weight ${String(n.attrs.name)}` : `${results} = ${n.op}`;
    const type = n.outputs.map((v) => formatType(v.type)).join(', ');
    const stored = n.outputs.some((v) => fused.isBuffer(v));
    const attrs = attrsText(n);
    const details = [
      `${results} = ${n.body ? 'composite ' : ''}${n.op}(${n.inputs.map((v) => names.get(v)).join(', ')})${attrs ? ` {${attrs}}` : ''}`,
      `type: ${type}`,
      ...(n.origin ? [`origin: ${n.origin}`] : []),
      kernels.length ? `${kernels.length > 1 ? 'kernels' : 'kernel'}: ${kernels.map(kernelName).join(', ')}${kernels.length > 1 ? ' (recomputed in each)' : ''}` : 'kernel: none (a buffer)',
      ...(stored && kernels.length ? ['stored in a buffer'] : []),
    ].join('\n');
    const region = regionsFor(n.origin);
    const node: ViewNode = { id, kind: 'op', label, type, details, kernels, ...(region ? { region } : {}) };
    nodes.push(node);
    (region ? region.items : items).push(node);
    for (const v of n.inputs) edges.push({ from: idOf.get(v)!, to: id, stored: fused.isBuffer(v) });
  });

  graph.outputs.forEach((o, i) => {
    const id = `o${i}`;
    const node: ViewNode = { id, kind: 'output', label: o.name, type: formatType(o.value.type), details: `output ${o.name} = ${names.get(o.value)}\ntype: ${formatType(o.value.type)}`, kernels: [] };
    nodes.push(node);
    items.push(node);
    edges.push({ from: idOf.get(o.value)!, to: id, stored: true });
  });

  const colours = kernelColours(program.kernels.length, kernelMeetings(nodes, edges));
  return { name: graph.name, nodes, edges, items, regions, kernels: program.kernels.map((k, i) => ({ name: k.name, colour: colours[i]! })) };
}
