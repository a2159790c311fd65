// Checks a graph's gradient graph against central finite differences, both evaluated in float64 on the reference
// interpreter (spec/autodiff.md): for a random cotangent c of the output, the gradient of L = Σ c·out with respect
// to each element of each differentiated input and weight is compared with (L(x + h) − L(x − h)) / 2h.

import { cotangentName, grad, gradName } from '../../src/autodiff/index.js';
import { evaluateFloat64, type F64Tensor } from '../../src/backends/reference/index.js';
import type { Graph } from '../../src/ir/index.js';

const H = 1e-5;
/** Relative to the scale of the derivative; far above the O(h²) truncation and the float64 rounding of the quotient. */
const TOLERANCE = 1e-6;

/** A graph with one output, its float64 data, and what to differentiate with respect to. */
export interface GradientCheck {
  readonly graph: Graph;
  readonly inputs: Readonly<Record<string, F64Tensor>>;
  readonly weights?: Readonly<Record<string, F64Tensor>>;
  readonly wrt: { readonly inputs?: readonly string[]; readonly weights?: readonly string[] };
  /** The output's cotangent. */
  readonly cotangent: F64Tensor;
}

export interface GradientMismatch {
  readonly target: string;
  readonly element: number;
  readonly analytic: number;
  readonly numeric: number;
}

type Data = Readonly<Record<string, F64Tensor>>;

/** The first element whose gradient differs from the finite difference, or undefined. */
export function gradientMismatch(c: GradientCheck): GradientMismatch | undefined {
  const out = c.graph.outputs[0]!.name;
  const weights = c.weights ?? {};
  const gradients = evaluateFloat64(grad(c.graph, [out], c.wrt, { seed: 'input' }), { ...c.inputs, [cotangentName(out)]: c.cotangent }, weights);
  const loss = (inputs: Data, w: Data) => evaluateFloat64(c.graph, inputs, w)[out]!.data.reduce((sum, v, i) => sum + v * c.cotangent.data[i]!, 0);
  const targets: [string, Data, (moved: Data) => number][] = [
    ...(c.wrt.inputs ?? []).map((name): [string, Data, (moved: Data) => number] => [name, c.inputs, (moved) => loss(moved, weights)]),
    ...(c.wrt.weights ?? []).map((name): [string, Data, (moved: Data) => number] => [name, weights, (moved) => loss(c.inputs, moved)]),
  ];
  for (const [name, data, lossAt] of targets) {
    const x = data[name]!;
    for (let i = 0; i < x.data.length; i++) {
      const moved = (d: number) => ({ ...data, [name]: { shape: x.shape, data: x.data.map((v, j) => (j === i ? v + d : v)) } });
      const numeric = (lossAt(moved(H)) - lossAt(moved(-H))) / (2 * H);
      const analytic = gradients[gradName(name)]!.data[i]!;
      if (!(Math.abs(analytic - numeric) <= TOLERANCE * Math.max(1, Math.abs(numeric)))) return { target: name, element: i, analytic, numeric };
    }
  }
  return undefined;
}
