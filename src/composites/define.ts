// How a composite is defined: its decomposition is written with the tensor API, so it receives its operands as
// Tensors and returns Tensors; operand and result names are a list, or a function of the attributes.

import type { AttrSchema, AttrsOf, CompositeDef } from '../ir/index.js';
import { wrap, type Tensor } from '../ops/tensor.js';

type Names<S extends AttrSchema> = readonly string[] | ((attrs: AttrsOf<S>) => readonly string[]);

export interface CompositeSpec<S extends AttrSchema> {
  readonly attrs: S;
  readonly operands: Names<S>;
  readonly results: Names<S>;
  /** Results that are an operand with some elements replaced: result index -> operand index (CompositeDef). */
  readonly updates?: Readonly<Record<number, number>>;
  /** The body: the results from the operands (in `operands` order). */
  readonly decompose: (inputs: readonly Tensor[], attrs: AttrsOf<S>) => readonly Tensor[];
}

const namesOf =
  <S extends AttrSchema>(names: Names<S>) =>
  (attrs: AttrsOf<S>): readonly string[] =>
    typeof names === 'function' ? names(attrs) : names;

/** Composite `name`, with its attribute types inferred from its schema (enum values included). */
export function composite<const S extends AttrSchema>(name: string, spec: CompositeSpec<S>): CompositeDef<S> {
  return {
    name,
    attrs: spec.attrs,
    operands: namesOf(spec.operands),
    results: namesOf(spec.results),
    ...(spec.updates ? { updates: spec.updates } : {}),
    decompose: (b, inputs, attrs) => spec.decompose(wrap(b, inputs), attrs).map((t) => t.value),
  };
}
