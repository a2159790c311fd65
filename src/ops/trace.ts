// Trace: how model code starts a graph — declare inputs and weights, compute with the op API, name the outputs.

import { GraphBuilder, type DType, type Graph, type Shape } from '../ir/index.js';
import { Tensor } from './tensor.js';

export class Trace {
  readonly builder: GraphBuilder;
  constructor(name: string) {
    this.builder = new GraphBuilder(name);
  }
  /** A tensor supplied at each run (a rank-0 i32 input is a runtime scalar such as a decode position). */
  input(name: string, dtype: DType, shape: Shape): Tensor {
    return new Tensor(this.builder, this.builder.input(name, { dtype, shape }));
  }
  /** A named tensor from a weight store, constant across runs. */
  weight(name: string, dtype: DType, shape: Shape): Tensor {
    return new Tensor(this.builder, this.builder.op('weight', [], { name, dtype, shape: [...shape] }));
  }
  build(outputs: Readonly<Record<string, Tensor>>): Graph {
    return this.builder.build(Object.fromEntries(Object.entries(outputs).map(([k, t]) => [k, t.value])));
  }
}

/** Builds a graph from a function of named inputs. */
export function trace(
  name: string,
  inputs: Readonly<Record<string, { dtype: DType; shape: Shape }>>,
  fn: (x: Record<string, Tensor>, t: Trace) => Readonly<Record<string, Tensor>>,
): Graph {
  const t = new Trace(name);
  const args = Object.fromEntries(Object.entries(inputs).map(([k, ty]) => [k, t.input(k, ty.dtype, ty.shape)]));
  return t.build(fn(args, t));
}
