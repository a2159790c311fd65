// The reference interpreter's float64 mode: a graph of f32 (and integer, bool) values evaluated with every float
// operation exact in double precision and nothing rounded to f32 (spec/autodiff.md, *Float64*). Finite differences
// need it: in f32 a central difference loses most of its digits to rounding. It evaluates the very graphs the
// backends run, so the derivative rules are checked on the graphs that ship. f16, bf16 and fp8 values are refused.

import { formatType, neededValues, sameShape, type Graph, type TensorData, type Value } from '../../../ir/index.js';
import { f64Kernel, type F64Tensor } from './kernels.js';

export type { F64Tensor } from './kernels.js';

const FLOAT64_DTYPES = ['f32', 'i32', 'u8', 'bool'];

function checkDType(graph: Graph, v: Value, what: string): void {
  if (!FLOAT64_DTYPES.includes(v.dtype))
    throw new TypeError(`float64 evaluation of graph ${graph.name}: ${what} is ${formatType(v.type)}; this mode evaluates ${FLOAT64_DTYPES.join(', ')} values only`);
}

/** A host tensor's values as float64 (f32, i32, u8 and bool data). */
export function toFloat64(t: TensorData): F64Tensor {
  if (!FLOAT64_DTYPES.includes(t.dtype)) throw new TypeError(`toFloat64: ${formatType(t)} data; expected ${FLOAT64_DTYPES.join(', ')}`);
  return { shape: [...t.shape], data: Float64Array.from(t.data) };
}

function run(graph: Graph, args: readonly F64Tensor[], wanted: readonly Value[], weight: (name: string) => F64Tensor): F64Tensor[] {
  const env = new Map<Value, F64Tensor>(graph.inputs.map((v, i) => [v, args[i]!]));
  const need = neededValues(graph, wanted);
  graph.nodes.forEach((node, i) => {
    if (!node.outputs.some((v) => need.has(v))) return;
    const operands = node.inputs.map((v) => env.get(v)!);
    try {
      if (node.body) {
        run(node.body, operands, node.body.outputs.map((o) => o.value), weight).forEach((t, j) => env.set(node.outputs[j]!, t));
        return;
      }
      const result = node.outputs[0]!;
      checkDType(graph, result, `node ${i} (${node.op})`);
      const kernel = f64Kernel(node.op);
      if (!kernel) throw new Error(`no float64 kernel for primitive "${node.op}"`);
      env.set(result, kernel(operands, node, result.type, weight));
    } catch (e) {
      if (e instanceof Error && !e.message.startsWith('float64')) e.message = `float64 evaluation of ${graph.name}, node ${i} (${node.op}): ${e.message}`;
      throw e;
    }
  });
  return wanted.map((v) => env.get(v)!);
}

/**
 * Evaluates `graph` in float64 on the named inputs and weights (values of any precision; integers for integer
 * dtypes) and returns every output by name.
 */
export function evaluateFloat64(graph: Graph, inputs: Readonly<Record<string, F64Tensor>>, weights: Readonly<Record<string, F64Tensor>> = {}): Record<string, F64Tensor> {
  const args = graph.inputs.map((v) => {
    const name = v.def.kind === 'input' ? v.def.name : '';
    const t = inputs[name];
    if (!t) throw new Error(`float64 evaluation of graph ${graph.name}: input "${name}" not given`);
    checkDType(graph, v, `input "${name}"`);
    if (!sameShape(t.shape, v.shape) || t.data.length !== v.shape.reduce((a, b) => a * b, 1))
      throw new TypeError(`float64 evaluation of graph ${graph.name}: input "${name}" has shape [${t.shape}] (${t.data.length} values); expected ${formatType(v.type)}`);
    return t;
  });
  const weight = (name: string) => {
    const t = weights[name];
    if (!t) throw new Error(`weight "${name}" not given`);
    return t;
  };
  const results = run(graph, args, graph.outputs.map((o) => o.value), weight);
  return Object.fromEntries(graph.outputs.map((o, i) => [o.name, results[i]!]));
}
