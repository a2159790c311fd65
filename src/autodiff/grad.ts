// Reverse-mode differentiation as a graph transformation (spec/autodiff.md): a graph in, a graph out that computes
// the original outputs and the gradients (vector-Jacobian products) of chosen outputs with respect to chosen inputs
// and weights. The result is an ordinary graph: every backend compiles and runs it.

import { formatType, GraphBuilder, inputName, isDifferentiable, type Graph, type GraphOutput, type TensorType, type Value } from '../ir/index.js';
import { propagate } from './backward.js';
import { Cotangents } from './cotangents.js';
import { recordForward } from './forward-tape.js';

/** What to differentiate with respect to, by name. */
export interface GradTargets {
  /** Graph inputs. */
  readonly inputs?: readonly string[];
  /** Weights: the tensors `weight` nodes read by name; all reads of one name share one gradient. */
  readonly weights?: readonly string[];
}

export interface GradOptions {
  /**
   * The cotangent each differentiated output starts from: `ones` (default; for a scalar loss, the gradient itself),
   * or `input`, a graph input named `cotangent.<output>` of the output's type (a vector-Jacobian product).
   */
  readonly seed?: 'ones' | 'input';
}

/** The output name of the gradient with respect to input or weight `name`. */
export const gradName = (name: string): string => `grad.${name}`;

/** The output name of `output`'s cotangent input when the seed is `input`. */
export const cotangentName = (output: string): string => `cotangent.${output}`;

const DIFFERENTIABLE = 'f32, f16 or bf16';

function requireDifferentiable(what: string, t: TensorType): void {
  if (!isDifferentiable(t.dtype)) throw new TypeError(`grad: ${what} is ${formatType(t)}; gradients flow only through ${DIFFERENTIABLE}`);
}

/** The `weight` node's type for each of `names` that `graph` reads (bodies included); an error names one it does not. */
function weightTypes(graph: Graph, names: readonly string[]): Map<string, TensorType> {
  const types = new Map<string, TensorType>();
  const visit = (g: Graph) => {
    for (const n of g.nodes) {
      if (n.op === 'weight' && names.includes(n.attrs.name as string)) types.set(n.attrs.name as string, n.outputs[0]!.type);
      if (n.body) visit(n.body);
    }
  };
  visit(graph);
  const missing = names.find((w) => !types.has(w));
  if (missing !== undefined) throw new Error(`grad: graph ${graph.name} reads no weight "${missing}"`);
  return types;
}

/**
 * A graph computing `graph`'s outputs and, as outputs `grad.<name>`, the gradient of the sum of `outputs` (each
 * weighted by its seed) with respect to each of `wrt`'s inputs and weights. A target no output depends on gets zeros.
 */
export function grad(graph: Graph, outputs: readonly string[], wrt: GradTargets, options: GradOptions = {}): Graph {
  const inputs = wrt.inputs ?? [];
  const weights = wrt.weights ?? [];
  if (outputs.length === 0) throw new Error('grad: no outputs to differentiate');
  const targets = [...inputs, ...weights];
  const repeated = targets.find((t, i) => targets.indexOf(t) !== i);
  if (repeated !== undefined) throw new Error(`grad: "${repeated}" is named twice among the inputs and weights to differentiate with respect to`);
  const clash = graph.outputs.find((o) => targets.some((t) => gradName(t) === o.name));
  if (clash) throw new Error(`grad: graph ${graph.name} already has an output named ${clash.name}`);

  const inputByName = new Map(graph.inputs.map((v) => [inputName(v), v]));
  const outputByName = new Map(graph.outputs.map((o) => [o.name, o.value]));
  for (const name of inputs) {
    const v = inputByName.get(name);
    if (!v) throw new Error(`grad: graph ${graph.name} has no input "${name}"; its inputs are ${[...inputByName.keys()].join(', ') || 'none'}`);
    requireDifferentiable(`input "${name}"`, v.type);
  }
  const weightType = weightTypes(graph, weights);
  for (const [name, t] of weightType) requireDifferentiable(`weight "${name}"`, t);
  for (const name of outputs) {
    const v = outputByName.get(name);
    if (!v) throw new Error(`grad: graph ${graph.name} has no output "${name}"; its outputs are ${[...outputByName.keys()].join(', ')}`);
    requireDifferentiable(`output "${name}"`, v.type);
  }

  const b = new GraphBuilder(`${graph.name}_grad`);
  const rebuiltInputs = graph.inputs.map((v) => b.input(inputName(v), v.type));
  const activeInputs = new Set(inputs.map((name) => rebuiltInputs[graph.inputs.indexOf(inputByName.get(name)!)]!));
  const tape = recordForward(graph, b, rebuiltInputs, activeInputs, new Set(weights));

  const cotangents = new Cotangents(b);
  for (const name of new Set(outputs)) {
    const v = tape.values.get(outputByName.get(name)!)!;
    const seed = options.seed === 'input' ? b.input(cotangentName(name), v.type) : b.op('full', [], { dtype: v.dtype, shape: [...v.shape], value: 1 });
    if (tape.active.has(v)) cotangents.add(v, seed, `the seed of output ${name}`);
  }
  propagate(b, tape, cotangents);

  const zeros = (t: TensorType) => b.op('full', [], { dtype: t.dtype, shape: [...t.shape], value: 0 });
  const sumOf = (values: readonly Value[], t: TensorType) => {
    const parts = values.flatMap((v) => cotangents.get(v) ?? []);
    return parts.length ? parts.reduce((sum, p) => b.op('add', [sum, p])) : zeros(t);
  };
  const gradients: GraphOutput[] = [
    ...inputs.map((name) => {
      const v = tape.values.get(inputByName.get(name)!)!;
      return { name: gradName(name), value: cotangents.get(v) ?? zeros(v.type) };
    }),
    ...weights.map((name) => ({ name: gradName(name), value: sumOf(tape.weightReads.get(name) ?? [], weightType.get(name)!) })),
  ];
  return b.build([...graph.outputs.map((o) => ({ name: o.name, value: tape.values.get(o.value)! })), ...gradients]);
}
