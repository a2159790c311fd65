// The reference interpreter: evaluates a graph node by node, in order, on CPU tensors. Composite nodes run their
// body (the decomposition), so this is the oracle every other backend is compared against. Values are dropped
// after their last use; movement ops return views, so only kernels that compute allocate.

import { formatType, sameType, type Graph, type Node, type StorageArray, type TensorData, type Value, type WeightStore } from '../../ir/index.js';
import { checkInputs, graphInputs } from '../sdk/inputs.js';
import { PRIMITIVE_KERNELS, type KernelContext } from './primitive-kernels.js';
import { copyTensor, fromTensorData, isDense, toTensorData, type CpuTensor } from './tensor.js';

/** For each value of `graph`, the index of the last node that reads it; graph outputs are read after every node. */
function lastUses(graph: Graph): Map<Value, number> {
  const last = new Map<Value, number>();
  graph.nodes.forEach((n, i) => n.inputs.forEach((v) => last.set(v, i)));
  for (const o of graph.outputs) last.set(o.value, graph.nodes.length);
  return last;
}

function runNode(node: Node, operands: readonly CpuTensor[], ctx: KernelContext): CpuTensor[] {
  if (node.body) return evaluateBody(node.body, operands, ctx);
  const kernel = PRIMITIVE_KERNELS.get(node.op);
  if (!kernel) throw new Error(`cpu: no kernel for primitive "${node.op}"`);
  const type = node.outputs[0]!.type;
  const result = kernel(operands, node.attrs, type, ctx);
  if (!sameType(result, type)) throw new Error(`cpu ${node.op} kernel returned ${formatType(result)}; the node's type is ${formatType(type)}`);
  return [result];
}

function evaluateBody(graph: Graph, args: readonly CpuTensor[], ctx: KernelContext): CpuTensor[] {
  const env = new Map<Value, CpuTensor>();
  graph.inputs.forEach((v, i) => env.set(v, args[i]!));
  const last = lastUses(graph);
  graph.nodes.forEach((node, i) => {
    const operands = node.inputs.map((v) => env.get(v)!);
    let results: CpuTensor[];
    try {
      results = runNode(node, operands, ctx);
    } catch (e) {
      if (e instanceof Error) e.message = `evaluating ${graph.name}, node ${i} (${node.op}): ${e.message}`;
      throw e;
    }
    node.outputs.forEach((v, j) => {
      if (last.has(v)) env.set(v, results[j]!);
    });
    for (const v of node.inputs) if (last.get(v) === i) env.delete(v);
  });
  return graph.outputs.map((o) => env.get(o.value)!);
}

/**
 * Evaluates `graph` on CPU tensors given positionally for its inputs and returns its outputs in order (possibly
 * views of the arguments or of weights). The lower-level entry point for callers that keep CPU tensors.
 */
export function evaluateGraph(graph: Graph, args: readonly CpuTensor[], weights?: WeightStore): CpuTensor[] {
  if (args.length !== graph.inputs.length) throw new Error(`graph ${graph.name}: ${args.length} arguments given, it takes ${graph.inputs.length}`);
  graph.inputs.forEach((v, i) => {
    if (!sameType(args[i]!, v.type)) throw new TypeError(`graph ${graph.name}: argument ${i} is ${formatType(args[i]!)}; expected ${formatType(v.type)}`);
  });
  return evaluateBody(graph, args, { weights, borrowed: new Set() });
}

/**
 * Runs `graph` on host tensors: checks the inputs, evaluates every node, and returns each named output as dense
 * TensorData that shares no storage with the inputs, the weights or another output.
 */
export function evaluate(graph: Graph, inputs: Readonly<Record<string, TensorData>>, weights?: WeightStore): Record<string, TensorData> {
  const args = checkInputs(graph.name, graphInputs(graph), inputs, (what) => {
    throw new Error(`${what}: the interpreter takes host data`);
  }).map((t) => fromTensorData(t));
  const ctx: KernelContext = { weights, borrowed: new Set(args.map((a) => a.data)) };
  const results = evaluateBody(graph, args, ctx);
  const handedOut = new Set<StorageArray>(ctx.borrowed);
  const outputs: Record<string, TensorData> = {};
  graph.outputs.forEach((o, i) => {
    const t = results[i]!;
    const owned = isDense(t) && !handedOut.has(t.data) ? t : copyTensor(t);
    handedOut.add(owned.data);
    outputs[o.name] = toTensorData(owned);
  });
  return outputs;
}
