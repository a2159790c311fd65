// A conformance case: a small graph with its inputs and weights, run on a backend and compared with the oracle.
// Cases are plain data, so they travel (printed graph, tensors) to a browser page and run there unchanged.

import { GraphBuilder, walkNodes, type DType, type Graph, type Shape, type TensorData, type Value } from '../ir/index.js';
import { Rng, randomTensor, seedOf, type Mix } from './data.js';

export interface ConformanceCase {
  readonly name: string;
  readonly graph: Graph;
  readonly inputs: Readonly<Record<string, TensorData>>;
  readonly weights: Readonly<Record<string, TensorData>>;
  /** NaN codes must match bit for bit (casts define the NaN each format gets). */
  readonly nanBits?: boolean;
  /** In the quick pass: the cases a backend that compiles slowly (a software GPU) runs by default. */
  readonly quick?: boolean;
}

/** What a case's graph is written with: a builder, and inputs and weights that come with data. */
export interface CaseScope {
  readonly b: GraphBuilder;
  readonly rng: Rng;
  /** A graph input with random data of `mix`, or with the given data. */
  input(name: string, dtype: DType, shape: Shape, data?: Mix | TensorData): Value;
  /** A weight node (the backend binds it once at compile time) with random data of `mix`, or the given data. */
  weight(name: string, dtype: DType, shape: Shape, data?: Mix | TensorData): Value;
}

/** Builds a case; `build` returns the named outputs. The data is seeded by the name. */
export function conformanceCase(
  name: string,
  build: (s: CaseScope) => Readonly<Record<string, Value>>,
  options: Pick<ConformanceCase, 'nanBits' | 'quick'> = {},
): ConformanceCase {
  const b = new GraphBuilder(name.replace(/[^A-Za-z0-9_]+/g, '_'));
  const rng = new Rng(seedOf(name));
  const inputs: Record<string, TensorData> = {};
  const weights: Record<string, TensorData> = {};
  const dataOf = (dtype: DType, shape: Shape, data: Mix | TensorData | undefined) => (typeof data === 'object' ? data : randomTensor(rng, dtype, shape, data));
  const scope: CaseScope = {
    b,
    rng,
    input(inputName, dtype, shape, data) {
      inputs[inputName] = dataOf(dtype, shape, data);
      return b.input(inputName, { dtype, shape });
    },
    weight(weightName, dtype, shape, data) {
      weights[weightName] = dataOf(dtype, shape, data);
      return b.op('weight', [], { name: weightName, dtype, shape: [...shape] });
    },
  };
  const graph = b.build(build(scope));
  return { name, graph, inputs, weights, ...options };
}

/** The ops a case exercises directly: its top-level nodes and the composites anywhere in it. */
export function coveredOps(c: ConformanceCase): Set<string> {
  const ops = new Set(c.graph.nodes.map((n) => n.op));
  for (const n of walkNodes(c.graph)) if (n.body) ops.add(n.op);
  return ops;
}
