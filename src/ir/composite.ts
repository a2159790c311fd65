// Composite ops: named regions that carry their decomposition into primitives. The graph keeps their
// boundaries (printers, dumps and per-block comparisons name them); a backend may claim one for a
// specialised kernel, which must then compute what the decomposition computes.

import type { AttrSchema } from './attrs.js';
import type { Attrs, Value } from './graph.js';
import type { GraphBuilder } from './builder.js';

export interface CompositeDef {
  readonly name: string;
  /** Operand names, used for the body's inputs so printed regions read well (they may depend on the attributes). */
  readonly operands: readonly string[] | ((attrs: Attrs) => readonly string[]);
  readonly attrs: AttrSchema;
  /**
   * Results that are an operand with some elements replaced (a cache with a new window): result index -> operand
   * index. A backend running the composite as one kernel may then write the result over that operand's buffer.
   */
  readonly updates?: Readonly<Record<number, number>>;
  /** Builds the body into `b` from the body's inputs and returns its outputs. */
  readonly decompose: (b: GraphBuilder, inputs: readonly Value[], attrs: Attrs) => readonly Value[];
}

const registry = new Map<string, CompositeDef>();

export function defineComposite(def: CompositeDef): CompositeDef {
  if (registry.has(def.name)) throw new Error(`composite "${def.name}" is defined twice`);
  registry.set(def.name, def);
  return def;
}

export const compositeDef = (name: string): CompositeDef | undefined => registry.get(name);

export const compositeNames = (): string[] => [...registry.keys()].sort();

export const operandNames = (def: CompositeDef, attrs: Attrs): readonly string[] =>
  typeof def.operands === 'function' ? def.operands(attrs) : def.operands;
