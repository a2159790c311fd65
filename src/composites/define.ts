// How a composite is defined: its decomposition is written with the tensor API, so it receives its operands as
// Tensors and returns Tensors; operand and result names are a list, or a function of the attributes.

import type { AttrSchema, AttrsOf, CompositeDef, CompositeVjpContext, Value } from '../ir/index.js';
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
  /** The composite's own derivative rule (CompositeDef.vjp); its comment states what it saves and what it recomputes. */
  readonly vjp?: (ctx: TensorVjpContext, attrs: AttrsOf<S>) => readonly (Tensor | null)[];
}

/** CompositeVjpContext with Tensors. */
export interface TensorVjpContext {
  readonly operands: readonly Tensor[];
  readonly results: readonly Tensor[];
  readonly cotangents: readonly (Tensor | null)[];
  readonly active: readonly boolean[];
  vjpOf(build: (operands: readonly Tensor[]) => readonly Tensor[], operands: readonly Tensor[], cotangents: readonly (Tensor | null)[]): (Tensor | null)[];
}

function tensorContext(ctx: CompositeVjpContext): TensorVjpContext {
  const { b } = ctx;
  const tensor = (v: Value | null) => (v ? wrap(b, [v])[0]! : null);
  return {
    operands: wrap(b, ctx.operands),
    results: wrap(b, ctx.results),
    cotangents: ctx.cotangents.map(tensor),
    active: ctx.active,
    vjpOf: (build, operands, cotangents) =>
      ctx
        .vjpOf(
          (inner, values) => build(wrap(inner, values)).map((t) => t.value),
          operands.map((t) => t.value),
          cotangents.map((t) => t?.value ?? null),
        )
        .map(tensor),
  };
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
    ...(spec.vjp ? { vjp: (ctx: CompositeVjpContext, attrs: AttrsOf<S>) => spec.vjp!(tensorContext(ctx), attrs).map((t) => t?.value ?? null) } : {}),
  };
}
