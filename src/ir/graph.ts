// The graph: SSA values with static types, nodes in topological order, composite nodes carrying their body.
// Graphs are immutable once built; passes build new graphs (see builder.ts and rewrite.ts).

import { formatShape, type Shape } from './shape.js';
import type { DType } from './dtype.js';

export interface TensorType {
  readonly dtype: DType;
  readonly shape: Shape;
}

export const formatType = (t: TensorType): string => `${t.dtype}${formatShape(t.shape)}`;

export const sameType = (a: TensorType, b: TensorType): boolean =>
  a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);

/** Attribute values are plain data so that graphs print, parse and hash deterministically. */
export type AttrValue = number | boolean | string | readonly number[];
export type Attrs = Readonly<Record<string, AttrValue>>;

/** Where a value comes from: a graph input, or output `index` of a node. */
export type ValueDef = { readonly kind: 'input'; readonly name: string } | { readonly kind: 'node'; readonly node: Node; readonly index: number };

export class Value {
  /** Set once by the builder when the value's definition is created. */
  def!: ValueDef;
  constructor(
    readonly id: number,
    readonly type: TensorType,
    /** The builder (graph scope) the value belongs to; values never cross scopes. */
    readonly scope: number,
  ) {}
  get dtype(): DType {
    return this.type.dtype;
  }
  get shape(): Shape {
    return this.type.shape;
  }
  /** The node that produced this value, if any. */
  get node(): Node | undefined {
    return this.def.kind === 'node' ? this.def.node : undefined;
  }
}

export interface Node {
  /** A primitive op name (see primitives.ts) or, when `body` is set, a composite name. */
  readonly op: string;
  readonly inputs: readonly Value[];
  readonly attrs: Attrs;
  readonly outputs: readonly Value[];
  /** A composite's decomposition: a closed graph whose inputs correspond to `inputs`. */
  readonly body?: Graph;
  /** The composite regions ("moe/softmax") an inlined node came from; kept for dumps, names and profiles. */
  readonly origin?: string;
}

export interface GraphOutput {
  readonly name: string;
  readonly value: Value;
}

export interface Graph {
  readonly name: string;
  readonly inputs: readonly Value[];
  readonly nodes: readonly Node[];
  readonly outputs: readonly GraphOutput[];
}

export const isComposite = (n: Node): n is Node & { body: Graph } => n.body !== undefined;

export function inputName(v: Value): string {
  if (v.def.kind !== 'input') throw new Error(`value %${v.id} is not a graph input`);
  return v.def.name;
}

/** Every node of `g`, including those inside composite bodies (depth first, bodies after their node). */
export function* walkNodes(g: Graph): Generator<Node> {
  for (const n of g.nodes) {
    yield n;
    if (n.body) yield* walkNodes(n.body);
  }
}

/**
 * The values of `g` that computing `wanted` reads, `wanted` included: a node none of whose results is among them is
 * dead (the compiler's dce drops it, the reference interpreter skips it).
 */
export function neededValues(g: Graph, wanted: readonly Value[]): Set<Value> {
  const need = new Set(wanted);
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i]!;
    if (n.outputs.some((v) => need.has(v))) n.inputs.forEach((v) => need.add(v));
  }
  return need;
}
