// The cotangents of the values of a gradient graph as they are collected: a value used several times gets the sum
// of its uses' contributions, added in the order the backward pass reaches them (so the graph is deterministic).

import { formatType, sameType, type GraphBuilder, type Value } from '../ir/index.js';

export class Cotangents {
  private readonly sums = new Map<Value, Value>();

  constructor(private readonly b: GraphBuilder) {}

  /** Adds `contribution` to the cotangent of `v`; it must have v's type. `what` names its source for the error. */
  add(v: Value, contribution: Value, what: string): void {
    if (!sameType(v.type, contribution.type))
      throw new Error(`autodiff: ${what} gave a cotangent ${formatType(contribution.type)} for a value of type ${formatType(v.type)}`);
    const sum = this.sums.get(v);
    this.sums.set(v, sum ? this.b.op('add', [sum, contribution]) : contribution);
  }

  get(v: Value): Value | undefined {
    return this.sums.get(v);
  }
}
