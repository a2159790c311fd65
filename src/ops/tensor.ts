// Tensor: what model code holds while it builds a graph — a value plus the builder it lives in.
// Every op in src/ops takes Tensors (or plain numbers where a scalar makes sense) and adds nodes to that builder.

import { formatType, type AttrSchema, type AttrsOf, type CompositeDef, type DType, type GraphBuilder, type Shape, type Value } from '../ir/index.js';

export class Tensor {
  constructor(
    readonly builder: GraphBuilder,
    readonly value: Value,
  ) {}
  get dtype(): DType {
    return this.value.dtype;
  }
  get shape(): Shape {
    return this.value.shape;
  }
  get rank(): number {
    return this.value.shape.length;
  }
  toString(): string {
    return `Tensor(%${this.value.id}: ${formatType(this.value.type)})`;
  }
}

export type TensorLike = Tensor | number;

/** Adds a primitive to `t`'s graph and wraps the result. */
export const prim = (t: Tensor, op: string, inputs: readonly Tensor[], attrs = {}): Tensor =>
  new Tensor(t.builder, t.builder.op(op, inputs.map((x) => x.value), attrs));

/** Adds composite `def` to `t`'s graph and wraps its results. */
export const compose = <S extends AttrSchema>(t: Tensor, def: CompositeDef<S>, inputs: readonly Tensor[], attrs: AttrsOf<S>): Tensor[] =>
  t.builder.composite(def, inputs.map((x) => x.value), attrs).map((v) => new Tensor(t.builder, v));

/** Wraps the inputs of a composite body so its decomposition can be written with the tensor API. */
export const wrap = (b: GraphBuilder, values: readonly Value[]): Tensor[] => values.map((v) => new Tensor(b, v));
