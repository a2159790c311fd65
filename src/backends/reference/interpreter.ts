// The reference interpreter: evaluates a graph node by node, in order, on CPU tensors. Composite nodes run their
// body (the decomposition), so this is the oracle every other backend is compared against. Only the nodes some
// output depends on run: dead code does not run (spec/ops.md, *Indexing*), so an index error in a value nothing
// reads is never raised, as in a compiled program, whose dce pass drops that node. Values are dropped after their
// last use; movement ops return views, so only kernels that compute allocate.

import { formatType, neededValues, sameType, type Graph, type Node, type StorageArray, type TensorData, type Value, type WeightStore } from '../../ir/index.js';
import { checkInputs, graphInputs } from '../sdk/inputs.js';
import { PRIMITIVE_KERNELS, type KernelContext } from './primitive-kernels.js';
import { copyTensor, fromTensorData, isDense, toTensorData, type CpuTensor } from './tensor.js';

/** For each value live nodes read, the index of the last live node that reads it; `wanted` is read after all. */
function lastUses(graph: Graph, live: readonly boolean[], wanted: readonly Value[]): Map<Value, number> {
  const last = new Map<Value, number>();
  graph.nodes.forEach((n, i) => {
    if (live[i]) n.inputs.forEach((v) => last.set(v, i));
  });
  for (const v of wanted) last.set(v, graph.nodes.length);
  return last;
}

/**
 * Called after each node runs (the nodes of composite bodies too) with its results (undefined where not needed), its
 * operands and the composite nodes it is inside, outermost first; it may throw to stop the run.
 */
export type NodeObserver = (node: Node, results: readonly (CpuTensor | undefined)[], operands: readonly CpuTensor[], enclosing: readonly Node[]) => void;

interface Observation {
  readonly observe: NodeObserver;
  readonly enclosing: readonly Node[];
}

/** The results of `node` that `need` holds; others are undefined (a composite runs only what they need of its body). */
function runNode(node: Node, operands: readonly CpuTensor[], ctx: KernelContext, need: ReadonlySet<Value>, observed?: Observation): (CpuTensor | undefined)[] {
  if (node.body) {
    const wanted = node.body.outputs.flatMap((o, j) => (need.has(node.outputs[j]!) ? [o.value] : []));
    const results = evaluateBody(node.body, operands, ctx, wanted, observed && { ...observed, enclosing: [...observed.enclosing, node] });
    return node.body.outputs.map((o) => results[wanted.indexOf(o.value)]);
  }
  const kernel = PRIMITIVE_KERNELS.get(node.op);
  if (!kernel) throw new Error(`cpu: no kernel for primitive "${node.op}"`);
  const type = node.outputs[0]!.type;
  const result = kernel(operands, node.attrs, type, ctx);
  if (!sameType(result, type)) throw new Error(`cpu ${node.op} kernel returned ${formatType(result)}; the node's type is ${formatType(type)}`);
  return [result];
}

/** Evaluates the nodes of `graph` that `wanted` (values of `graph`) depends on; returns the tensor of each of `wanted`. */
function evaluateBody(graph: Graph, args: readonly CpuTensor[], ctx: KernelContext, wanted: readonly Value[], observed?: Observation): CpuTensor[] {
  const env = new Map<Value, CpuTensor>();
  graph.inputs.forEach((v, i) => env.set(v, args[i]!));
  const need = neededValues(graph, wanted);
  const live = graph.nodes.map((n) => n.outputs.some((v) => need.has(v)));
  const last = lastUses(graph, live, wanted);
  graph.nodes.forEach((node, i) => {
    if (!live[i]) return;
    const operands = node.inputs.map((v) => env.get(v)!);
    let results: (CpuTensor | undefined)[];
    try {
      results = runNode(node, operands, ctx, need, observed);
      observed?.observe(node, results, operands, observed.enclosing);
    } catch (e) {
      if (e instanceof Error) e.message = `evaluating ${graph.name}, node ${i} (${node.op}): ${e.message}`;
      throw e;
    }
    node.outputs.forEach((v, j) => {
      if (last.has(v)) env.set(v, results[j]!);
    });
    for (const v of node.inputs) if (last.get(v) === i) env.delete(v);
  });
  return wanted.map((v) => env.get(v)!);
}

const outputValues = (graph: Graph): Value[] => graph.outputs.map((o) => o.value);

/**
 * Evaluates `graph` on CPU tensors given positionally for its inputs and returns its outputs in order (possibly
 * views of the arguments or of weights). The lower-level entry point for callers that keep CPU tensors.
 */
export function evaluateGraph(graph: Graph, args: readonly CpuTensor[], weights?: WeightStore): CpuTensor[] {
  if (args.length !== graph.inputs.length) throw new Error(`graph ${graph.name}: ${args.length} arguments given, it takes ${graph.inputs.length}`);
  graph.inputs.forEach((v, i) => {
    if (!sameType(args[i]!, v.type)) throw new TypeError(`graph ${graph.name}: argument ${i} is ${formatType(args[i]!)}; expected ${formatType(v.type)}`);
  });
  return evaluateBody(graph, args, { weights, borrowed: new Set() }, outputValues(graph));
}

/**
 * Runs `graph` on host tensors: checks the inputs, evaluates the nodes its outputs depend on, and returns each named
 * output as dense TensorData that shares no storage with the inputs, the weights or another output. `observe` sees
 * every node's results as they are computed.
 */
export function evaluate(graph: Graph, inputs: Readonly<Record<string, TensorData>>, weights?: WeightStore, observe?: NodeObserver): Record<string, TensorData> {
  const args = checkInputs(graph.name, graphInputs(graph), inputs, (what) => {
    throw new Error(`${what}: the interpreter takes host data`);
  }).map((t) => fromTensorData(t));
  const ctx: KernelContext = { weights, borrowed: new Set(args.map((a) => a.data)) };
  const results = evaluateBody(graph, args, ctx, outputValues(graph), observe && { observe, enclosing: [] });
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
