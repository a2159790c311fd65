// Composite ops: named regions that carry their decomposition into primitives. The graph keeps their
// boundaries (printers, dumps and per-block comparisons name them); a backend may claim one for a
// specialised kernel, which must then compute what the decomposition computes. The definitions themselves are
// listed in src/composites (define.ts writes one).

import { checkAttrs, fitsSchema, type AttrSchema, type AttrsOf } from './attrs.js';
import { IRError } from './errors.js';
import type { Attrs, Value } from './graph.js';
import type { GraphBuilder } from './builder.js';

// Members are declared as methods so that a definition of any schema is a CompositeDef<AttrSchema> (the list holds
// them all), while each definition's own functions see its typed attributes.
export interface CompositeDef<S extends AttrSchema = AttrSchema> {
  readonly name: string;
  readonly attrs: S;
  /** Operand names, used for the body's inputs so printed regions read well. */
  operands(attrs: AttrsOf<S>): readonly string[];
  /** Result names, used for the body's outputs. */
  results(attrs: AttrsOf<S>): readonly string[];
  /**
   * Results that are an operand with some elements replaced (a cache with a new window): result index -> operand
   * index. A backend running the composite as one kernel may then write the result over that operand's buffer.
   */
  readonly updates?: Readonly<Record<number, number>>;
  /** Builds the body into `b` from the body's inputs and returns its outputs, one per result. */
  decompose(b: GraphBuilder, inputs: readonly Value[], attrs: AttrsOf<S>): readonly Value[];
  /**
   * The composite's own derivative rule (spec/autodiff.md): the cotangent of each operand, null where it gets
   * none. Without one, reverse-mode differentiation goes through the decomposition.
   */
  vjp?(ctx: CompositeVjpContext, attrs: AttrsOf<S>): readonly (Value | null)[];
}

/**
 * What a composite's derivative rule is given. Operands and results are values of the gradient graph `b`, so a
 * rule may reuse what the forward computed (saving it) or build from the operands again (recomputing).
 */
export interface CompositeVjpContext {
  readonly b: GraphBuilder;
  readonly operands: readonly Value[];
  readonly results: readonly Value[];
  /** One per result; null where no cotangent reached it. */
  readonly cotangents: readonly (Value | null)[];
  /** Whether gradients flow to each operand: a cotangent given for another is discarded, so it need not be built. */
  readonly active: readonly boolean[];
  /**
   * The cotangents of `operands` (values of b) for the computation `build` makes of them, seeded with `cotangents`
   * (one per value it returns): reverse mode through its primitives and composites, as for any graph. Each value
   * gets its cotangent once, at its first position; operands gradients do not flow to get null.
   */
  vjpOf(build: (b: GraphBuilder, operands: readonly Value[]) => readonly Value[], operands: readonly Value[], cotangents: readonly (Value | null)[]): (Value | null)[];
}

/** The attributes of `node`, an occurrence of `def`, with def's attribute types; throws if they do not fit them. */
export function attrsOf<S extends AttrSchema>(def: CompositeDef<S>, node: { readonly op: string; readonly attrs: Attrs }): AttrsOf<S> {
  const { attrs } = node;
  if (node.op !== def.name) throw new IRError(`attrsOf: a "${node.op}" node is not a "${def.name}"`);
  if (!fitsSchema(def.attrs, attrs)) throw new IRError(`composite ${def.name}: ${checkAttrs(def.attrs, attrs)}`);
  return attrs;
}

// The IR cannot import src/composites: composites are written with the op API, which builds on the IR. So the
// list is handed over once, when src/composites loads; the parser and verifier use it to check attributes and to
// hint at composites written as primitives. Before that, a composite is a region its body alone defines.
let known: ReadonlyMap<string, CompositeDef> = new Map();

export function provideComposites(list: ReadonlyMap<string, CompositeDef>): void {
  known = list;
}

/** The definition of composite `name` when src/composites has provided it, else undefined. */
export const knownComposite = (name: string): CompositeDef | undefined => known.get(name);
